from laurels.cli import main

main()
