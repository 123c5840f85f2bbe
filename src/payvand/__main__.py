from payvand.cli import main

main()
