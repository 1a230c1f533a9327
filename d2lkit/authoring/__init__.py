"""Tools for writing exercises: stubs generated from solutions (`stubs`), the static lint of the
catalogue against the kit's files (`lint`), and `d2lkit dev check` (`devcheck`), which grades
stubs, solutions and mutants once the lint is clean."""
