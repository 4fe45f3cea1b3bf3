from shotgraph.cli import main

main()
