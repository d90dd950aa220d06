from surprisal.cli import main

main()
