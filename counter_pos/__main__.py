"""``python -m counter_pos`` is ``counter-pos``."""

from counter_pos.cli import main

main()
