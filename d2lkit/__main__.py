from d2lkit.cli import main

main(prog_name="d2lkit")
