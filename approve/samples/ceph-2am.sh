#!/bin/sh
# 02:07, pager going: osd.7 keeps flapping. The agent's plan to "clean it up".
# It never marks the OSD out, never waits for the rebalance, never runs safe-to-destroy.
ceph -s
ceph osd tree
ceph osd set noout
systemctl stop ceph-osd@7
ceph osd down 7
ceph osd purge 7 --yes-i-really-mean-it
ceph-volume lvm zap --destroy /dev/sdb
ceph osd unset noout
