# The wikipairs trainer (`python -m trainer.task`) for CPU hosts, NVIDIA GPU hosts and Cloud TPU
# VMs. Build from the repository root:
#   docker build -f docker/trainer.Dockerfile --build-arg ACCELERATOR=tpu -t IMAGE .
# ACCELERATOR=cpu|gpu|tpu picks the TensorFlow build. Every flavour installs wikipairs from its
# source, so pyproject.toml's pins apply, together with TensorFlow at exactly TENSORFLOW_VERSION,
# which must lie in pyproject.toml's tensorflow range (tests/test_docker.py checks it).
ARG ACCELERATOR=cpu

FROM python:3.11.14-slim-bookworm AS install
ARG ACCELERATOR
ARG TENSORFLOW_VERSION=2.20.0
# tensorflow-tpu 2.20.0 asks for libtpu~=0.0.14 (2.19.1 pinned libtpu==0.0.10 exactly): 0.0.14 is
# the release TF 2.20 was built against. Left to that range, pip would take the newest libtpu,
# whose releases follow JAX, not TensorFlow.
ARG LIBTPU_VERSION=0.0.14

ENV TF_USE_LEGACY_KERAS=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# tpu: the TPU build of TensorFlow is another distribution, tensorflow-tpu, with the same
# `tensorflow` package inside plus libtpu. tensorflow-text, tf-keras and tf-models-official require
# the distribution named `tensorflow`, so it cannot simply be left out. Instead the project is
# installed first with the plain tensorflow at the same version (its metadata satisfies those
# requirements), then tensorflow-tpu is installed over it with --no-deps: its files replace
# tensorflow's, and since the versions are equal nothing else changes. This is the documented
# `pip install tensorflow-tpu -f https://storage.googleapis.com/libtpu-tf-releases/index.html
# --force` route done in a fixed order (one pip command holding both would leave the winner to
# pip's install order). Both wheels come from PyPI: that find-links page is not needed for exact
# pins. `pip check` then proves that tensorflow-tpu's requirements (its libtpu range, tensorboard
# ~=2.20.0, keras, numpy...) hold in the finished environment.
COPY . /opt/wikipairs/src
RUN case "${ACCELERATOR}" in \
      cpu) pip install /opt/wikipairs/src "tensorflow==${TENSORFLOW_VERSION}" ;; \
      gpu) pip install /opt/wikipairs/src "tensorflow[and-cuda]==${TENSORFLOW_VERSION}" ;; \
      tpu) pip install /opt/wikipairs/src "tensorflow==${TENSORFLOW_VERSION}" \
           && pip install --no-deps "tensorflow-tpu==${TENSORFLOW_VERSION}" \
                "libtpu==${LIBTPU_VERSION}" ;; \
      *) echo "ACCELERATOR must be cpu, gpu or tpu, not '${ACCELERATOR}'" >&2 && exit 1 ;; \
    esac \
    && pip check

# A working directory the non-root user owns, for local --model_dir paths or a mounted volume.
RUN groupadd --gid 1000 wikipairs \
    && useradd --uid 1000 --gid 1000 --create-home wikipairs \
    && install -d -o wikipairs -g wikipairs /work
WORKDIR /work
ENTRYPOINT ["python", "-m", "trainer.task"]

# CPU and GPU hosts run the trainer as the unprivileged user (the NVIDIA runtime hands the GPUs
# to any user).
FROM install AS runtime-cpu
USER 1000:1000

FROM install AS runtime-gpu
USER 1000:1000

# TPU VMs run the container with --privileged, and libtpu opens the TPU device files
# (/dev/accel*, /dev/vfio/* on newer generations), which need not be open to other users: the tpu
# flavour stays root. --privileged already hands the container the host's devices, so a
# non-root user would add little protection there.
FROM install AS runtime-tpu

# The stage named by ACCELERATOR. hadolint cannot resolve a stage name built from an ARG and
# would ask for an image tag (DL3006); ignored on this line only, since the real base image
# above must keep that check (docker/.hadolint.yaml says why nothing is ignored globally).
# hadolint ignore=DL3006
FROM runtime-${ACCELERATOR}
