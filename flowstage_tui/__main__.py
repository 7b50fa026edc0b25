"""`python -m flowstage_tui` runs the flowstage command line."""

from flowstage_tui.cli.main import main

raise SystemExit(main())
