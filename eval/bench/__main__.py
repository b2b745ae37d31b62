import sys

from eval.bench.run import main

sys.exit(main())
