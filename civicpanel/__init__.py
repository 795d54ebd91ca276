"""civicpanel: citizen panels and participatory budgeting for Danish and Norwegian councils."""

import os

# numpy's OpenBLAS starts a thread per core for every matrix operation. The methods' matrices
# are small (a cube draw's landing, raking on a cell table) and the web and worker processes
# already share the cores, so the threads only add waiting: one per process, unless set.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
