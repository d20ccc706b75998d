from keyledger.cli import main

main()
