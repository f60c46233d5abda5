# bash completion for ecgrid (generated; do not edit)
_ecgrid() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    local path="" w i
    for ((i = 1; i < COMP_CWORD; i++)); do
        w="${COMP_WORDS[i]}"
        case "${path:+$path }$w" in
            "auth"|"auth status"|"completion"|"config"|"config get"|"config list"|"config set"|"config use"|"ids"|"ids find"|"ids get"|"ids tp-move"|"interconnect"|"interconnect setup"|"partners"|"partners count"|"partners create"|"partners delete"|"partners get"|"partners list"|"sandbox"|"sandbox serve"|"sandbox stop")
                path="${path:+$path }$w" ;;
        esac
    done
    case "$prev" in
        --status) COMPREPLY=($(compgen -W "Development Active Preproduction Suspended Terminated" -- "$cur")); return ;;
        --find-style) COMPREPLY=($(compgen -W "all post get-isa get-qual" -- "$cur")); return ;;
    esac
    local words
    case "$path" in
        "") words="auth completion config ids interconnect partners sandbox --profile --base-url --timeout --retries --verbose -v --no-color --version --help -h" ;;
        "auth") words="status --help -h" ;;
        "auth status") words="--json --help -h" ;;
        "completion") words="--help -h" ;;
        "config") words="get list set use --help -h" ;;
        "config get") words="--help -h" ;;
        "config list") words="--json --help -h" ;;
        "config set") words="--help -h" ;;
        "config use") words="--help -h" ;;
        "ids") words="find get tp-move --help -h" ;;
        "ids find") words="--qualifier -q --id -i --json --help -h" ;;
        "ids get") words="--json --help -h" ;;
        "ids tp-move") words="--mailbox -m --yes -y --dry-run --json --help -h" ;;
        "interconnect") words="setup --help -h" ;;
        "interconnect setup") words="--qualifier -q --id -i --file -f --from --partner-ecgrid-id --status --verify --concurrency --dry-run --json --help -h" ;;
        "partners") words="count create delete get list --help -h" ;;
        "partners count") words="--status --json --help -h" ;;
        "partners create") words="--from --to --status --json --help -h" ;;
        "partners delete") words="--yes -y --json --help -h" ;;
        "partners get") words="--json --help -h" ;;
        "partners list") words="--status --all --page --per-page --json --help -h" ;;
        "sandbox") words="serve stop --help -h" ;;
        "sandbox serve") words="--host --port --api-key --db --reset --latency-ms --fault-rate --retry-after --drop-rate --find-style --seed --detach -d --help -h" ;;
        "sandbox stop") words="--db --help -h" ;;
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _ecgrid ecgrid
# groups: auth, config, ids, interconnect, partners, sandbox
