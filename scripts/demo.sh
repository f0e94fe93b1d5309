#!/usr/bin/env bash
# `make run`: a real program in the sandbox.
set -euo pipefail
cvisor=${1:-build/cvisor}
echo "+ $cvisor do -- bash -c 'uname -a; ls -la /etc/os-release; grep PRETTY /etc/os-release; echo \$((6*7)) | sort'"
exec "$cvisor" do -- /bin/bash -c 'uname -a; ls -la /etc/os-release; grep PRETTY /etc/os-release; echo $((6*7)) | sort'
