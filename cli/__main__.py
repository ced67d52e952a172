"""`python -m cli ...` runs the same command line as the `wikipairs` console script."""
from cli.main import main

raise SystemExit(main())
