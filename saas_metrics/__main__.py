import sys

from saas_metrics.cli import main

sys.exit(main())
