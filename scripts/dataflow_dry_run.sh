#!/usr/bin/env bash
# Check that the job can be submitted to Google Cloud Dataflow, offline and without credentials:
# Beam builds the graph, translates it to a Dataflow job, builds the sdist that --setup_file ships to
# the workers, and stops before talking to Google (--dry_run=True --no_auth). Nothing is uploaded or run.
#
# Uses its own venv (.venv-gcp) because apache-beam[gcp] adds ~60 Google client packages the local
# venv does not need. torch goes in first, pinned, so that camel-tools does not pull a CUDA build.
# Usage: scripts/dataflow_dry_run.sh [extra flags for `newscorpus run`]   (make dataflow-dry-run)
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${VENV_GCP:-.venv-gcp}"
OUT="${OUT:-gs://demo-bucket/corpus}"   # an object store: workers and the launcher share no folder
STAMP="$VENV/.installed-$(sha256sum setup.py | cut -c1-12)"

if [ ! -e "$STAMP" ]; then
    test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet torch==2.13.0
    "$VENV/bin/pip" install --quiet -e '.[gcp]'
    rm -f "$VENV"/.installed-* && touch "$STAMP"
fi

set -x
"$VENV/bin/python" -m pipeline run sample_data/ --output "$OUT" \
    --config configs/dataflow.yaml \
    --set output.report=false \
    --runner=DataflowRunner --project=demo --region=europe-west1 \
    --temp_location=gs://demo-bucket/tmp --staging_location=gs://demo-bucket/staging \
    --dry_run=True --no_auth --setup_file=./setup.py \
    "$@"
