from wtdock.cli.app import main

main()
