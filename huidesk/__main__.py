from huidesk.cli import main

main()
