from escalate.cli import main

raise SystemExit(main())
