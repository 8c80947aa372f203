import numpy as np
# café
