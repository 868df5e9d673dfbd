from lakekit.cli import main

main()
