#!/usr/bin/env bash
# Install the Debian packages legal-kg needs at run time and in tests:
#   tesseract-ocr + tesseract-ocr-vie  OCR of images and scanned PDFs (kg.readers)
#   fonts-dejavu-core                  DejaVuSans, a TTF with Vietnamese glyphs (test corpus)
#   chromium                           headless screenshots of `kg show` pages (tests)
#   openjdk-17-jdk-headless, maven     the bundled Neo4j (scripts/neo4j) and Apache Jena for the
#                                      tests, only if java/mvn are missing
#   npm (with nodejs)                  builds the SPARQL page's YASGUI (scripts/setup.sh), only if missing
# Idempotent: installs only what is missing, and runs `apt-get update` only then.
# Must run as root (or via sudo); never prompts.
set -euo pipefail

PACKAGES=(tesseract-ocr tesseract-ocr-vie fonts-dejavu-core chromium)
command -v java >/dev/null 2>&1 || PACKAGES+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || PACKAGES+=(maven)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup-system: all system packages present (${PACKAGES[*]})"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        echo "setup-system: need root to install: ${missing[*]}" >&2
        exit 1
    fi
fi

echo "setup-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
