"""The sample files are found wherever the repository is cloned."""

from pathlib import Path

from tests.pricing.samples import BUNDLED, NAMES, REPO, SAMPLES, resolve


def test_it_uses_shared_data_dir_when_set(tmp_path):
    assert resolve({"SHARED_DATA_DIR": str(tmp_path)}, repo=REPO) == tmp_path.resolve()


def test_it_uses_the_shared_folder_beside_the_repository(tmp_path):
    repo = tmp_path / "checkout"
    (tmp_path / "shared" / "data").mkdir(parents=True)
    repo.mkdir()
    assert resolve({}, repo=repo) == tmp_path / "shared" / "data"


def test_it_falls_back_to_the_copy_in_the_repository(tmp_path):
    repo = tmp_path / "elsewhere" / "checkout"
    repo.mkdir(parents=True)
    assert resolve({}, repo=repo) == repo / "tests" / "data" / "samples"


def test_it_keeps_every_sample_in_the_repository():
    assert BUNDLED == Path(__file__).resolve().parents[1] / "data" / "samples"
    for name in (*NAMES, "README.md"):
        assert (BUNDLED / name).stat().st_size > 0, name
        if (SAMPLES / name).exists():
            assert (BUNDLED / name).read_bytes() == (SAMPLES / name).read_bytes(), name
