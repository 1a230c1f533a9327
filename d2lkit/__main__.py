from d2lkit.cli import main

main()
