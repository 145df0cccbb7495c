import subprocess
import sys

import modelcollapse


def test_all_is_sorted_and_every_name_exists():
    assert modelcollapse.__all__ == sorted(modelcollapse.__all__)
    for name in modelcollapse.__all__:
        assert hasattr(modelcollapse, name), name


def test_importing_the_package_leaves_plotting_and_heavy_parts_unloaded():
    code = ("import sys, modelcollapse; "
            "print(sorted({'matplotlib', 'torch', 'dask'} & set(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"
