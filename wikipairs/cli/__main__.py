"""`python -m wikipairs.cli ...` runs the same command line as the `wikipairs` console script."""
from wikipairs.cli.main import main

raise SystemExit(main())
