# bash completion for ecgrid (generated; do not edit)
_ecgrid() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    local path="" w i
    for ((i = 1; i < COMP_CWORD; i++)); do
        w="${COMP_WORDS[i]}"
        case "${path:+$path }$w" in
            "api"|"apply"|"auth"|"auth login"|"auth logout"|"auth status"|"completion"|"config"|"config get"|"config list"|"config set"|"config use"|"ids"|"ids create"|"ids find"|"ids get"|"ids tp-move"|"interconnect"|"interconnect check"|"interconnect setup"|"partners"|"partners count"|"partners create"|"partners delete"|"partners get"|"partners list"|"partners note"|"partners note add"|"partners note list"|"plan"|"sandbox"|"sandbox serve"|"sandbox stop")
                path="${path:+$path }$w" ;;
        esac
    done
    case "$prev" in
        --status) COMPREPLY=($(compgen -W "Development Active Preproduction Suspended Terminated Pending Completed Canceled Delayed Problem AuthorizationRequired" -- "$cur")); return ;;
        --api) COMPREPLY=($(compgen -W "rest soap" -- "$cur")); return ;;
        --show) COMPREPLY=($(compgen -W "all failed" -- "$cur")); return ;;
        --use-type) COMPREPLY=($(compgen -W "Test Production TestAndProduction" -- "$cur")); return ;;
        --find-style) COMPREPLY=($(compgen -W "all post get-isa get-qual" -- "$cur")); return ;;
        --id-create-style) COMPREPLY=($(compgen -W "all reference guide" -- "$cur")); return ;;
        --soap-namespace) COMPREPLY=($(compgen -W "live legacy" -- "$cur")); return ;;
        --profile) COMPREPLY=($(compgen -W "$(ecgrid completion-values profiles 2>/dev/null)" -- "$cur")); return ;;
    esac
    local words
    case "$path" in
        "") words="api apply auth completion config ids interconnect partners plan sandbox --profile --api --base-url --timeout --retries --verbose -v --no-color --no-pager --json --jq --header --version --help -h" ;;
        "api") words="--raw-field -f --field -F --input --paginate --json --jq --header --help -h" ;;
        "apply") words="--file -f --from --prune --yes -y --concurrency --max-concurrency --json --jq --header --help -h" ;;
        "auth") words="login logout status --help -h" ;;
        "auth login") words="--login -u --password-stdin --json --jq --header --help -h" ;;
        "auth logout") words="--json --jq --header --help -h" ;;
        "auth status") words="--json --jq --header --help -h" ;;
        "completion") words="--help -h bash zsh fish" ;;
        "config") words="get list set use --help -h" ;;
        "config get") words="--json --jq --header --help -h api-key api base-url ecgrid-id timeout retries" ;;
        "config list") words="--json --jq --header --help -h" ;;
        "config set") words="--json --jq --header --help -h api-key api base-url ecgrid-id timeout retries" ;;
        "config use") words="--json --jq --header --help -h $(ecgrid completion-values profiles 2>/dev/null)" ;;
        "ids") words="create find get tp-move --help -h" ;;
        "ids create") words="--qualifier -q --id -i --mailbox -m --description -d --use-type --json --jq --header --help -h" ;;
        "ids find") words="--qualifier -q --id -i --json --jq --header --help -h" ;;
        "ids get") words="--json --jq --header --help -h" ;;
        "ids tp-move") words="--mailbox -m --yes -y --dry-run --json --jq --header --help -h" ;;
        "interconnect") words="check setup --help -h" ;;
        "interconnect check") words="--qualifier -q --id -i --from --file -f --deliver --verify-timeout --json --jq --header --help -h" ;;
        "interconnect setup") words="--qualifier -q --id -i --file -f --from --partner-ecgrid-id --onboard --mailbox -m --description -d --status --verify --verify-timeout --concurrency --max-concurrency --show --dry-run --json --jq --header --help -h" ;;
        "partners") words="count create delete get list note --help -h" ;;
        "partners count") words="--status --json --jq --header --help -h" ;;
        "partners create") words="--to --from --status --json --jq --header --help -h" ;;
        "partners delete") words="--yes -y --json --jq --header --help -h" ;;
        "partners get") words="--json --jq --header --help -h" ;;
        "partners list") words="--status --all --page --per-page --json --jq --header --help -h" ;;
        "partners note") words="add list --help -h" ;;
        "partners note add") words="--json --jq --header --help -h" ;;
        "partners note list") words="--json --jq --header --help -h" ;;
        "plan") words="--file -f --from --detailed-exitcode --out --concurrency --max-concurrency --json --jq --header --help -h" ;;
        "sandbox") words="serve stop --help -h" ;;
        "sandbox serve") words="--host --port --api-key --db --reset --latency-ms --fault-rate --retry-after --drop-rate --find-style --id-create-style --soap-namespace --session-ttl --token-ttl --parcel-seconds --parcel-fail-rate --seed --detach -d --help -h" ;;
        "sandbox stop") words="--db --help -h" ;;
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _ecgrid ecgrid
# groups: auth, config, ids, interconnect, partners, partners note, sandbox
