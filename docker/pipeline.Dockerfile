# The wikipairs Beam job's custom SDK container: Dataflow (--sdk_container_image=IMAGE
# --sdk_location=container) and Flink/Spark through Beam's portable runner
# (--environment_type=DOCKER --environment_config=IMAGE). Build from the repository root:
#   docker build -f docker/pipeline.Dockerfile -t IMAGE .
# BEAM_VERSION must equal pyproject.toml's apache-beam pin: the launcher submits with the Beam of
# its venv, the workers run the Beam of this image, and the two must agree
# (tests/test_docker.py checks the tag against the pin).
ARG BEAM_VERSION=2.77.0
FROM apache/beam_python3.11_sdk:${BEAM_VERSION}

ENV TF_USE_LEGACY_KERAS=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# wikipairs from its source, so that pyproject.toml's pins decide every version it needs; the
# image's apache-beam already is the pinned one and stays. No `pip check` afterwards: the base
# image also carries packages the job never imports (Beam's test and ML extras), and a version
# conflict among those must not fail the build. pip's resolver still checks the job's whole
# dependency tree, apache-beam's own requirements included.
COPY . /opt/wikipairs/src
RUN pip install /opt/wikipairs/src

# No ENTRYPOINT and no USER here: the base image's /opt/apache/beam/boot (run as root, as Beam's
# own images do) starts the SDK harness that the runner talks to.
