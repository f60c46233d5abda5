"""Allow `python -m ecgrid_cli`."""

from ecgrid_cli.app import main

if __name__ == "__main__":
    main()
