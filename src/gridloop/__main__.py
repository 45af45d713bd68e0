from gridloop.cli import main

main()
