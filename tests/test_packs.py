"""The shipped command rule packs: each destructive example fires its rule at its tier, near misses
(dry runs, read-only variants, destructive words used as data) do not, and read-only commands are
recognised as such.

Commands are built directly (argv from shlex, text as the shell analyzer makes it), so these tests
do not depend on the shell parser. Each example runs twice: with Command.text = shlex.join(argv)
(what the shell analyzer passes) and with the raw text, so the regexes hold for both.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from approve.analyze import analyze, rules
from approve.analyze.rules import Command, Rule, RuleSet, match_command
from approve.model import Finding, Tier

# The packs this file covers (protections.yaml and sql.yaml have their own tests).
COMMAND_PACKS = (
    "readonly",
    "filesystem",
    "git",
    "kubernetes",
    "ceph",
    "aws",
    "gcloud",
    "azure",
    "terraform",
    "databases",
    "containers",
    "self-protection",
    "services",
)

# Shipped packs only: a developer's own ~/.config/approve/packs must not change these results.
SHIPPED = rules.load_rules(extra_dirs=[])


def pack_of(rule: Rule) -> str:
    """'packs/git.yaml:12' -> 'git'."""
    return Path(rule.source.rsplit(":", 1)[0]).stem


OUR_RULES = [rule for rule in SHIPPED.rules if pack_of(rule) in COMMAND_PACKS]
OUR_IDS = {rule.id for rule in OUR_RULES}


def build(text: str, raw: bool = False) -> Command:
    argv = tuple(shlex.split(text))
    return Command(argv=argv, text=text if raw else shlex.join(argv))


def redirect(symbol: str, target: str) -> Command:
    """The pseudo-command the shell analyzer emits for `> target` / `>> target`."""
    return Command(argv=(symbol, target), text=f"{symbol} {shlex.quote(target)}")


def ours(findings: list[Finding]) -> dict[str, Finding]:
    return {f.rule: f for f in findings if f.rule in OUR_IDS}


def single(rule: Rule) -> RuleSet:
    """A rule set holding just this rule (with every program's syntax), to see if it matches."""
    ruleset = RuleSet(syntax=SHIPPED.syntax)
    ruleset.add(rule)
    return ruleset


def rule_matches(rule: Rule, command: Command) -> bool:
    findings, readonly = match_command(single(rule), command)
    return bool(findings) or readonly


@dataclass(frozen=True)
class Case:
    text: str
    rule: str
    severity: str
    also: tuple[str, ...] = ()  # other rules (from other packs) that rightly fire too
    resources: tuple[str, ...] | None = None


C = Case

DESTRUCTIVE: list[Case] = [
    # filesystem ------------------------------------------------------------------------------
    C("rm -rf /", "filesystem.rm-recursive-broad", "critical", resources=("/",)),
    C("rm -rf /*", "filesystem.rm-recursive-broad", "critical"),
    C("rm -rf ~/", "filesystem.rm-recursive-broad", "critical"),
    C("rm -fr ~", "filesystem.rm-recursive-broad", "critical"),
    C("rm -rf $HOME", "filesystem.rm-recursive-broad", "critical"),
    C("rm -r /etc", "filesystem.rm-recursive-broad", "critical"),
    C("rm -R --force /usr/", "filesystem.rm-recursive-broad", "critical"),
    C("rm -rf /home/alice", "filesystem.rm-recursive-broad", "critical"),
    C("rm -rf .git", "filesystem.rm-recursive-broad", "critical"),
    C("rm -rf /var/lib", "filesystem.rm-recursive-broad", "critical"),
    C("rm -rf /var/lib/postgresql/", "filesystem.rm-recursive-broad", "critical"),
    C("rm -rf /etc/nginx", "filesystem.rm-recursive-broad", "critical"),
    C("rm -rf /usr/local/*", "filesystem.rm-recursive-broad", "critical"),
    C("rm -rf ./project/.git/", "filesystem.rm-recursive-broad", "critical"),
    C("rm -rf *", "filesystem.rm-recursive-broad", "critical"),
    C(
        "rm -r --no-preserve-root /",
        "filesystem.rm-no-preserve-root",
        "critical",
        also=("filesystem.rm-recursive-broad",),
    ),
    C("rm -rf build", "filesystem.rm-recursive", "high", resources=("build",)),
    C("rm --recursive node_modules dist", "filesystem.rm-recursive", "high"),
    C("rm -rf /var/tmp/cache", "filesystem.rm-recursive", "high"),
    C("rm -rf /var/lib/app/cache", "filesystem.rm-recursive", "high"),
    C("rm -rf /etc/nginx/sites-enabled/old", "filesystem.rm-recursive", "high"),
    C("rm notes.txt", "filesystem.rm", "low", resources=("notes.txt",)),
    C("unlink old.log", "filesystem.rm", "low"),
    C("rm /etc/passwd", "filesystem.rm-system-file", "high"),
    C("rm -f ~/.ssh/id_ed25519", "filesystem.rm-system-file", "high"),
    C("rm ~/.bashrc", "filesystem.rm-system-file", "high"),
    C("find . -name '*.tmp' -delete", "filesystem.find-delete", "high"),
    C("find /data -mtime +30 -exec rm -f {} +", "filesystem.find-exec-rm", "high"),
    C("shred -u secrets.txt", "filesystem.shred", "critical"),
    C("truncate -s 0 app.log", "filesystem.truncate", "high", resources=("app.log",)),
    C("mkfs.ext4 /dev/sdb1", "filesystem.mkfs", "critical", resources=("/dev/sdb1",)),
    C("mkfs -t xfs /dev/nvme1n1", "filesystem.mkfs", "critical"),
    C("mkswap /dev/sdc2", "filesystem.mkfs", "critical"),
    C(
        "dd if=/dev/zero of=/dev/sda bs=1M",
        "filesystem.dd-device",
        "critical",
        resources=("/dev/sda",),
    ),
    C("dd if=image.iso of=/dev/disk/by-id/usb-x", "filesystem.dd-device", "critical"),
    C("dd if=/dev/zero of=blank.img bs=1M count=10", "filesystem.dd-file", "low"),
    C("wipefs -a /dev/sdb", "filesystem.wipefs", "critical", resources=("/dev/sdb",)),
    C("wipefs --all --force /dev/sdb", "filesystem.wipefs", "critical"),
    C("chmod -R 777 /", "filesystem.chmod-recursive-broad", "critical", resources=("/",)),
    C("chown -R nobody:nogroup /etc", "filesystem.chmod-recursive-broad", "critical"),
    C("chmod -R go-rwx ~", "filesystem.chmod-recursive-broad", "critical"),
    C("chgrp -R staff /usr/local/bin", "filesystem.chmod-recursive-broad", "critical"),
    C("chmod -R 755 build", "filesystem.chmod-recursive", "low", resources=("build",)),
    C("mv hosts.new /etc/hosts", "filesystem.mv-system", "high"),
    C("mv /usr/bin/python3 /tmp/", "filesystem.mv-system", "high"),
    # git -------------------------------------------------------------------------------------
    C("git push --force origin main", "git.push-force-main", "critical", resources=("main",)),
    C("git push -f origin master", "git.push-force-main", "critical"),
    C("git push origin +main", "git.push-force-main", "critical"),
    C("git push -f origin HEAD:release/2.1", "git.push-force-main", "critical"),
    C("git push --force origin feature/x", "git.push-force", "high", resources=("feature/x",)),
    C("git push -fu origin topic", "git.push-force", "high"),
    C("git -C ../repo push -f", "git.push-force", "high"),
    C("git push origin +topic", "git.push-plus-refspec", "high", resources=("topic",)),
    C("git push origin +HEAD:topic", "git.push-plus-refspec", "high", resources=("topic",)),
    C("git push --force-with-lease origin topic", "git.push-force-with-lease", "low"),
    C("git push --force-with-lease origin main", "git.push-force-with-lease-main", "high"),
    C("git push origin --delete old-branch", "git.push-delete", "high", resources=("old-branch",)),
    C("git push origin :old-branch", "git.push-delete-refspec", "high", resources=("old-branch",)),
    C("git push --mirror backup", "git.push-mirror", "high"),
    C("git push --prune origin", "git.push-mirror", "high"),
    C("git reset --hard", "git.reset-hard", "high"),
    C("git reset --hard origin/main", "git.reset-hard", "high"),
    C("git clean -fdx", "git.clean", "high"),
    C("git clean -f -d", "git.clean", "high"),
    C("git checkout -- .", "git.checkout-all", "high"),
    C("git checkout .", "git.checkout-all", "high"),
    C("git checkout HEAD -- .", "git.checkout-all", "high"),
    C("git checkout -- src/app.py", "git.checkout-paths", "low", resources=("src/app.py",)),
    C("git checkout -f main", "git.checkout-force", "high", resources=("main",)),
    C("git switch --discard-changes main", "git.switch-discard", "high"),
    C("git restore .", "git.restore-all", "high"),
    C("git restore --staged --worktree .", "git.restore-all", "high"),
    C("git restore src/app.py", "git.restore-paths", "low", resources=("src/app.py",)),
    C("git stash drop", "git.stash-drop", "low"),
    C("git stash clear", "git.stash-clear", "high"),
    C("git branch -D topic", "git.branch-force-delete", "high", resources=("topic",)),
    C("git branch -d topic", "git.branch-delete", "low", resources=("topic",)),
    C("git branch --delete --force topic", "git.branch-delete", "high"),
    C("git filter-branch --tree-filter 'rm -f secret' HEAD", "git.filter-branch", "high"),
    C("git filter-repo --path secret --invert-paths", "git.filter-repo", "high"),
    C("git-filter-repo --path secret --invert-paths", "git.filter-repo-script", "high"),
    C("git rebase -i HEAD~5", "git.rebase", "low"),
    C("git reflog expire --expire=now --all", "git.reflog-expire", "high"),
    C("git gc --prune=now --aggressive", "git.gc-prune-now", "high"),
    C("git prune", "git.prune", "high"),
    C("git update-ref -d refs/heads/topic", "git.update-ref-delete", "high"),
    # kubernetes and helm ---------------------------------------------------------------------
    C("kubectl delete ns payments", "kubernetes.delete-namespace", "critical"),
    C("kubectl delete namespace/payments", "kubernetes.delete-namespace", "critical"),
    C("kubectl --context prod-eu delete namespaces a b", "kubernetes.delete-namespace", "critical"),
    C("kubectl delete pvc data-postgres-0 -n db", "kubernetes.delete-volume", "critical"),
    C("kubectl delete pv pvc-1234", "kubernetes.delete-volume", "critical"),
    C("kubectl delete persistentvolumeclaim/data", "kubernetes.delete-volume", "critical"),
    C("kubectl delete crd widgets.example.com", "kubernetes.delete-crd", "critical"),
    C(
        "kubectl -n rook-ceph delete cephcluster rook-ceph",
        "kubernetes.delete-rook-ceph",
        "critical",
    ),
    C(
        "kubectl delete cephblockpool replicapool -n rook-ceph",
        "kubernetes.delete-rook-ceph",
        "critical",
    ),
    C("kubectl delete pods --all -n staging", "kubernetes.delete-all", "critical"),
    C("kubectl delete deploy -A -l app=old", "kubernetes.delete-all", "critical"),
    C("kubectl delete pod web-1", "kubernetes.delete", "high", resources=("web-1",)),
    C("git -c core.fsmonitor=/tmp/evil status", "git.config-runs-program", "high"),
    C("git -c alias.st=!reboot st", "git.config-runs-program", "high"),
    C(
        "kubectl delete namespace payments",
        "kubernetes.delete-namespace",
        "critical",
        resources=("payments",),  # the name to retype, not the kind word
    ),
    C("kubectl -n shop delete deployment/web", "kubernetes.delete", "high"),
    C("kubectl delete -f manifests/", "kubernetes.delete", "high"),
    C("kubectl delete pod web-1 --force --grace-period=0", "kubernetes.delete", "critical"),
    C("kubectl delete deploy web --dry-run=none", "kubernetes.delete", "high"),
    C("kubectl delete deploy web --dry-run=false", "kubernetes.delete", "high"),
    C("kubectl delete ns payments --dry-run=none", "kubernetes.delete-namespace", "critical"),
    C("kubectl delete pod pv-helper", "kubernetes.delete", "high"),
    C(
        "kubectl drain node-1 --delete-emptydir-data --ignore-daemonsets",
        "kubernetes.drain-unsafe",
        "critical",
        resources=("node-1",),
    ),
    C("kubectl drain node-1 --disable-eviction", "kubernetes.drain-unsafe", "critical"),
    C(
        "kubectl drain node-1 --ignore-daemonsets",
        "kubernetes.drain",
        "high",
        resources=("node-1",),
    ),
    C("kubectl drain node-1 --force", "kubernetes.drain", "critical"),
    C("kubectl cordon node-1", "kubernetes.cordon", "low", resources=("node-1",)),
    C("kubectl scale deploy web --replicas=0", "kubernetes.scale-to-zero", "high"),
    C("kubectl scale statefulset db --replicas 0 -n data", "kubernetes.scale-to-zero", "high"),
    C("kubectl apply -f app.yaml --prune -l app=web", "kubernetes.apply-prune", "high"),
    C(
        "kubectl replace --force -f pod.yaml",
        "kubernetes.replace-force",
        "high",
        resources=("pod.yaml",),
    ),
    C("kubectl apply --force -f app.yaml", "kubernetes.replace-force", "high"),
    C(
        """kubectl patch ns stuck -p '{"metadata":{"finalizers":null}}' --type=merge""",
        "kubernetes.strip-finalizers",
        "critical",
        resources=("stuck",),
    ),
    C(
        """kubectl patch pvc data --type json -p '[{"op":"remove","path":"/metadata/finalizers"}]'""",
        "kubernetes.strip-finalizers",
        "critical",
    ),
    C(
        "kubectl replace --raw /api/v1/namespaces/stuck/finalize -f ns.json",
        "kubernetes.strip-finalizers",
        "critical",
    ),
    C("kubectl rollout undo deploy/web", "kubernetes.rollout", "high", resources=("deploy/web",)),
    C(
        "kubectl rollout restart deployment web -n shop",
        "kubernetes.rollout",
        "high",
        resources=("web",),
    ),
    C("kubectl apply -f app.yaml", "kubernetes.change", "high", resources=("app.yaml",)),
    C("kubectl create namespace tmp", "kubernetes.change", "high"),
    C("kubectl label node n1 disk=ssd --overwrite", "kubernetes.change", "high"),
    C("kubectl apply -f app.yaml --dry-run=none", "kubernetes.change", "high"),
    C("helm uninstall web -n shop", "helm.uninstall", "critical", resources=("web",)),
    C("helm del web", "helm.uninstall-del", "critical"),
    C("helm delete --purge web", "helm.uninstall-delete", "critical"),
    C("helm un web", "helm.uninstall-un", "critical"),
    C("helm rollback web 3", "helm.rollback", "high", resources=("web",)),
    C(
        "helm upgrade --install web ./chart -f values.yaml",
        "helm.upgrade",
        "high",
        resources=("web",),
    ),
    C("helm install web ./chart", "helm.install", "high"),
    # ceph, rook, raw disks -------------------------------------------------------------------
    C(
        "ceph osd purge 7 --yes-i-really-mean-it",
        "ceph.osd-purge",
        "critical",
        resources=("osd.7",),
    ),
    C(
        "ceph osd purge osd.7 --yes-i-really-mean-it",
        "ceph.osd-purge",
        "critical",
        resources=("osd.7",),
    ),
    C("ceph --cluster east osd purge 7", "ceph.osd-purge", "critical", resources=("osd.7",)),
    C(
        "ceph osd destroy 7 --yes-i-really-mean-it",
        "ceph.osd-destroy",
        "critical",
        resources=("osd.7",),
    ),
    C("ceph osd rm 7", "ceph.osd-rm", "critical", resources=("osd.7",)),
    C("ceph osd out 7", "ceph.osd-out", "high", resources=("osd.7",)),
    C("ceph osd down 7", "ceph.osd-down", "high", resources=("osd.7",)),
    C("ceph osd set noout", "ceph.flag-set", "high", resources=("noout",)),
    C("ceph osd unset noout", "ceph.flag-unset", "high", resources=("noout",)),
    C("systemctl stop ceph-osd@7", "services.systemctl-stop", "high", resources=("ceph-osd@7",)),
    C("systemctl --now disable nginx", "services.systemctl-stop", "high", resources=("nginx",)),
    C("service postgresql restart", "services.service-stop", "high", resources=("postgresql",)),
    C("shutdown -r now", "services.power", "high"),
    C("reboot -f", "services.power", "critical"),
    C("systemctl reboot", "services.systemctl-power", "high"),
    C("ceph osd out osd.7 --yes-i-really-mean-it", "ceph.osd-out", "critical"),
    C("ceph osd crush remove osd.7", "ceph.osd-crush-remove", "high", resources=("osd.7",)),
    C("ceph auth del osd.7", "ceph.auth-del", "high", resources=("osd.7",)),
    C(
        "ceph osd pool delete rbd rbd --yes-i-really-really-mean-it",
        "ceph.pool-delete",
        "critical",
        resources=("rbd",),
    ),
    C("ceph osd pool rm old old --yes-i-really-really-mean-it", "ceph.pool-delete", "critical"),
    C("ceph config set mon mon_allow_pool_delete true", "ceph.allow-pool-delete", "high"),
    C("ceph fs rm cephfs --yes-i-really-mean-it", "ceph.fs-rm", "critical", resources=("cephfs",)),
    C("ceph fs volume rm cephfs --yes-i-really-mean-it", "ceph.fs-rm", "critical"),
    C("ceph mon remove c", "ceph.mon-remove", "high", resources=("c",)),
    C("ceph orch osd rm 7 --zap", "ceph.orch-osd-rm", "high", resources=("osd.7",)),
    C("ceph orch device zap host1 /dev/sdb --force", "ceph.orch-device-zap", "critical"),
    C("ceph orch host rm host1", "ceph.orch-host-rm", "high", resources=("host1",)),
    C("rbd rm rbd/vm-disk-1", "rbd.rm", "critical", resources=("rbd/vm-disk-1",)),
    C("rbd -p rbd remove vm-disk-1", "rbd.rm", "critical", resources=("vm-disk-1",)),
    C("rbd snap purge rbd/vm-disk-1", "rbd.snap-remove", "high"),
    C("rbd trash purge rbd", "rbd.trash-purge", "critical"),
    C(
        "rados purge mypool --yes-i-really-really-mean-it",
        "rados.purge",
        "critical",
        resources=("mypool",),
    ),
    C("rados rmpool p p --yes-i-really-really-mean-it", "rados.rmpool", "critical"),
    C("rados -p mypool rm obj1", "rados.rm", "high"),
    C(
        "ceph-volume lvm zap /dev/sdb --destroy",
        "ceph.volume-zap",
        "critical",
        resources=("/dev/sdb",),
    ),
    C("sgdisk --zap-all /dev/sdb", "ceph.sgdisk-zap", "critical", resources=("/dev/sdb",)),
    C("sgdisk -Z /dev/sdb", "ceph.sgdisk-zap", "critical"),
    C("blkdiscard /dev/nvme0n1", "ceph.blkdiscard", "critical", resources=("/dev/nvme0n1",)),
    C(
        """kubectl -n rook-ceph patch cephcluster rook-ceph --type merge -p '{"spec":{"cleanupPolicy":{"confirmation":"yes-really-destroy-data"}}}'""",
        "ceph.rook-cleanup-policy",
        "critical",
        resources=("rook-ceph",),
    ),
    # aws -------------------------------------------------------------------------------------
    C(
        "aws rds delete-db-instance --db-instance-identifier prod-db --skip-final-snapshot",
        "aws.rds-delete-db-instance-no-snapshot",
        "critical",
        resources=("prod-db",),
    ),
    C(
        "aws rds delete-db-instance --db-instance-identifier db1 --final-db-snapshot-identifier s1",
        "aws.rds-delete-db-instance",
        "high",
        resources=("db1",),
    ),
    C(
        "aws --profile live --region eu-west-1 rds delete-db-cluster --db-cluster-identifier c1 --skip-final-snapshot",
        "aws.rds-delete-db-cluster-no-snapshot",
        "critical",
        resources=("c1",),
    ),
    C(
        "aws rds delete-db-cluster --db-cluster-identifier c1 --final-db-snapshot-identifier s",
        "aws.rds-delete-db-cluster",
        "high",
    ),
    C(
        "aws rds delete-db-snapshot --db-snapshot-identifier s1",
        "aws.rds-delete-backup",
        "critical",
        resources=("s1",),
    ),
    C(
        "aws rds modify-db-instance --db-instance-identifier db1 --no-deletion-protection --apply-immediately",
        "aws.rds-disable-deletion-protection",
        "high",
        resources=("db1",),
    ),
    C("aws s3 rb s3://logs --force", "aws.s3-rb-force", "critical", resources=("s3://logs",)),
    C("aws s3 rb s3://logs", "aws.s3-rb", "high"),
    C(
        "aws s3 rm s3://logs/ --recursive",
        "aws.s3-rm-recursive",
        "critical",
        resources=("s3://logs/",),
    ),
    C("aws s3 rm s3://logs/a.txt", "aws.s3-rm", "high"),
    C(
        "aws s3 sync ./site s3://www --delete",
        "aws.s3-sync-delete",
        "high",
        resources=("s3://www",),
    ),
    C(
        "aws ec2 terminate-instances --instance-ids i-0abc",
        "aws.ec2-terminate-instances",
        "critical",
        resources=("i-0abc",),
    ),
    C(
        "aws ec2 delete-volume --volume-id vol-1",
        "aws.ec2-delete-storage",
        "critical",
        resources=("vol-1",),
    ),
    C("aws ec2 delete-snapshot --snapshot-id snap-1", "aws.ec2-delete-storage", "critical"),
    C(
        "aws ec2 modify-instance-attribute --instance-id i-1 --no-disable-api-termination",
        "aws.ec2-disable-termination-protection",
        "high",
    ),
    C("aws ec2 stop-instances --instance-ids i-1", "aws.ec2-stop-instances", "high"),
    C(
        "aws cloudformation delete-stack --stack-name app",
        "aws.cloudformation-delete-stack",
        "critical",
        resources=("app",),
    ),
    C(
        "aws dynamodb delete-table --table-name orders",
        "aws.dynamodb-delete-table",
        "critical",
        resources=("orders",),
    ),
    C(
        "aws kms schedule-key-deletion --key-id k1 --pending-window-in-days 7",
        "aws.kms-schedule-key-deletion",
        "critical",
    ),
    C(
        "aws secretsmanager delete-secret --secret-id s --force-delete-without-recovery",
        "aws.secretsmanager-force-delete",
        "critical",
    ),
    C("aws secretsmanager delete-secret --secret-id s", "aws.secretsmanager-delete", "high"),
    C(
        "aws eks delete-cluster --name prod",
        "aws.delete-data-store",
        "critical",
        resources=("prod",),
    ),
    C("aws logs delete-log-group --log-group-name /app", "aws.delete-data-store", "critical"),
    C("aws iam delete-user --user-name bob", "aws.iam-delete", "high", resources=("bob",)),
    C("aws iam detach-role-policy --role-name r --policy-arn arn:x", "aws.iam-delete", "high"),
    C("aws lambda delete-function --function-name f1", "aws.delete", "high", resources=("f1",)),
    C("aws s3api delete-bucket --bucket b1", "aws.delete", "high", resources=("b1",)),
    # gcloud ----------------------------------------------------------------------------------
    C(
        "gcloud projects delete my-proj",
        "gcloud.projects-delete",
        "critical",
        resources=("my-proj",),
    ),
    C(
        "gcloud sql instances delete db1 --quiet",
        "gcloud.sql-instances-delete",
        "critical",
        resources=("db1",),
    ),
    C(
        "gcloud compute disks delete d1 --zone europe-west1-b",
        "gcloud.compute-disks-delete",
        "critical",
        resources=("d1",),
    ),
    C("gcloud compute instances delete vm1 -q", "gcloud.compute-instances-delete", "critical"),
    C(
        "gcloud beta container clusters delete c1 --region r",
        "gcloud.container-clusters-delete",
        "critical",
    ),
    C("gcloud spanner databases delete orders --instance i", "gcloud.datastore-delete", "critical"),
    C("gcloud storage buckets delete gs://b", "gcloud.datastore-delete", "critical"),
    C("gcloud storage rm -r gs://b/dir", "gcloud.storage-rm-recursive", "critical"),
    C("gcloud storage rm gs://b/file", "gcloud.storage-rm", "high"),
    C("gcloud pubsub topics delete t1", "gcloud.delete", "high", resources=("t1",)),
    C("gcloud pubsub topics delete t1 -q", "gcloud.delete", "critical"),
    C("gcloud run services delete api --quiet --region r", "gcloud.delete", "critical"),
    C("gsutil -m rm -r gs://b", "gsutil.rm-recursive", "critical", resources=("gs://b",)),
    C("gsutil rm gs://b/x", "gsutil.rm", "high"),
    C("gsutil rb gs://b", "gsutil.rb", "high"),
    # azure -----------------------------------------------------------------------------------
    C("az group delete --name rg1 --yes", "azure.group-delete", "critical", resources=("rg1",)),
    C("az group delete -n rg1", "azure.group-delete", "critical"),
    C(
        "az storage account delete -n sa1 -g rg",
        "azure.storage-account-delete",
        "critical",
        resources=("sa1",),
    ),
    C(
        "az storage container delete --name c --account-name sa",
        "azure.storage-data-delete",
        "critical",
    ),
    C(
        "az sql db delete -g rg -s srv -n shop --yes",
        "azure.database-delete",
        "critical",
        resources=("shop",),
    ),
    C("az postgres flexible-server delete -n pg1 -g rg", "azure.database-delete", "critical"),
    C("az disk delete -n d1 -g rg", "azure.disk-delete", "critical"),
    C("az aks delete -n k1 -g rg", "azure.aks-delete", "critical"),
    C("az keyvault purge --name kv1", "azure.keyvault-purge", "critical"),
    C("az vm delete -g rg -n vm1", "azure.delete", "high", resources=("vm1",)),
    C("az vm delete -g rg -n vm1 --yes", "azure.delete", "critical"),
    # terraform -------------------------------------------------------------------------------
    C("terraform destroy", "terraform.destroy", "critical"),
    C(
        "terraform destroy -auto-approve -target=aws_db_instance.main",
        "terraform.destroy",
        "critical",
        resources=("aws_db_instance.main",),
    ),
    C("tofu destroy", "terraform.destroy", "critical"),
    C("terragrunt destroy", "terraform.destroy", "critical"),
    C("terraform apply -destroy", "terraform.apply-destroy", "critical"),
    C(
        "terraform -chdir=infra apply --destroy -auto-approve",
        "terraform.apply-destroy",
        "critical",
    ),
    C(
        "terraform apply -replace=aws_instance.web",
        "terraform.apply-replace",
        "critical",
        resources=("aws_instance.web",),
    ),
    C("terraform apply", "terraform.apply", "high"),
    C("terraform apply tf.plan", "terraform.apply", "high"),
    C("terraform apply -auto-approve", "terraform.apply", "critical"),
    C("tofu apply -auto-approve", "terraform.apply", "critical"),
    C(
        "terraform state rm aws_s3_bucket.logs",
        "terraform.state-rm",
        "high",
        resources=("aws_s3_bucket.logs",),
    ),
    C("terraform state push backup.tfstate", "terraform.state-push", "high"),
    C("terraform state push -force backup.tfstate", "terraform.state-push", "critical"),
    C(
        "terraform state mv aws_instance.a aws_instance.b",
        "terraform.state-mv",
        "high",
        resources=("aws_instance.a",),
    ),
    C("terraform taint aws_instance.web", "terraform.taint", "high"),
    C("terraform untaint aws_instance.web", "terraform.untaint", "low"),
    C(
        "terraform workspace delete staging",
        "terraform.workspace-delete",
        "high",
        resources=("staging",),
    ),
    C("terraform workspace delete -force staging", "terraform.workspace-delete", "critical"),
    C("terraform force-unlock 6f0c1a", "terraform.force-unlock", "high"),
    C("terraform import aws_instance.web i-1", "terraform.import", "low"),
    C("terragrunt run-all destroy", "terragrunt.run-all-destroy", "critical"),
    C("terragrunt run --all destroy", "terragrunt.run-all-destroy", "critical"),
    C("terragrunt run-all apply", "terragrunt.run-all-apply", "high"),
    # databases -------------------------------------------------------------------------------
    C("redis-cli FLUSHALL", "databases.redis-flush", "critical"),
    C("redis-cli -h cache -n 2 flushdb", "databases.redis-flush", "critical", resources=("db 2",)),
    C("redis-cli FlushAll ASYNC", "databases.redis-flush", "critical"),
    C("redis-cli REPLICAOF 10.0.0.1 6379", "databases.redis-replicaof", "critical"),
    C("redis-cli CONFIG SET dir /tmp", "databases.redis-config-set", "high"),
    C("redis-cli config set save ''", "databases.redis-config-set", "high"),
    C("redis-cli DEL session:1", "databases.redis-delete", "high"),
    C("redis-cli -n 1 unlink k", "databases.redis-delete", "high"),
    C("redis-cli SHUTDOWN NOSAVE", "databases.redis-admin", "high"),
    C(
        "mongosh shop --eval 'db.dropDatabase()'",
        "databases.mongo-drop",
        "critical",
        resources=("shop",),
    ),
    C("mongo --eval 'db.orders.drop()'", "databases.mongo-drop", "critical"),
    C("mongosh --eval 'db.orders.deleteMany({})'", "databases.mongo-drop", "critical"),
    C("mongosh --eval 'db.orders.remove( { } )'", "databases.mongo-drop", "critical"),
    C("mongosh --eval 'db.orders.deleteMany({status: \"old\"})'", "databases.mongo-delete", "high"),
    C("mongorestore --drop dump/", "databases.mongorestore-drop", "high"),
    C("dropdb shop", "databases.dropdb", "critical", resources=("shop",)),
    C(
        "dropdb -h db.internal -U admin --force shop",
        "databases.dropdb",
        "critical",
        resources=("shop",),
    ),
    C("dropuser app", "databases.dropuser", "high", resources=("app",)),
    C("pg_resetwal -f /var/lib/postgresql/16/main", "databases.pg-resetwal", "critical"),
    C("pg_dropcluster 16 main --stop", "databases.pg-dropcluster", "critical"),
    C("mysqladmin -u root drop shop", "databases.mysqladmin-drop", "critical", resources=("shop",)),
    C("mysqladmin -u root -f drop shop", "databases.mysqladmin-drop", "critical"),
    C("mysqladmin shutdown", "databases.mysqladmin-shutdown", "high"),
    C("cqlsh -e 'DROP KEYSPACE shop;'", "databases.cqlsh-drop", "critical"),
    C("cqlsh db1 -e 'truncate shop.orders'", "databases.cqlsh-drop", "critical"),
    C("etcdctl del '' --prefix", "databases.etcd-delete-prefix", "critical"),
    C("etcdctl del /registry/pods/x", "databases.etcd-delete", "high"),
    # containers ------------------------------------------------------------------------------
    C("docker volume rm pgdata", "containers.volume-rm", "critical", resources=("pgdata",)),
    C(
        "docker --context prod volume rm -f pgdata",
        "containers.volume-rm",
        "critical",
        resources=("pgdata",),
    ),
    C("podman volume remove data", "containers.volume-rm", "critical"),
    C("docker volume prune", "containers.volume-prune", "high"),
    C("docker volume prune -f", "containers.volume-prune", "critical"),
    C("docker volume prune -a", "containers.volume-prune-all", "critical"),
    C("docker system prune", "containers.system-prune", "high"),
    C("docker system prune -af", "containers.system-prune", "critical"),
    C("docker system prune --volumes", "containers.system-prune-volumes", "critical"),
    C("docker rm -f web", "containers.rm-force", "high", resources=("web",)),
    C("docker container rm -v web", "containers.rm-force", "high", resources=("web",)),
    C("docker rm web", "containers.rm", "low", resources=("web",)),
    C("docker container prune", "containers.container-prune", "low"),
    C("docker rmi nginx:1.25", "containers.image-remove", "low"),
    C("docker image prune -a", "containers.image-remove", "low"),
    C("docker compose down -v", "containers.compose-down-volumes", "critical"),
    C(
        "docker compose -f prod.yml -p shop down --volumes",
        "containers.compose-down-volumes",
        "critical",
        resources=("shop",),
    ),
    C("docker-compose down -v", "containers.compose-down-volumes", "critical"),
    C("podman-compose down --volumes", "containers.compose-down-volumes", "critical"),
    C("docker compose down", "containers.compose-down", "low"),
    C("crictl rmp -a -f", "containers.crictl-rm", "high"),
    C("crictl rmi abc123", "containers.crictl-rmi", "low"),
    # self-protection -------------------------------------------------------------------------
    C("rm -rf ~/.config/approve", "self.tamper", "critical", also=("filesystem.rm-recursive",)),
    C(
        "rm -rf $XDG_CONFIG_HOME/approve/packs",
        "self.tamper",
        "critical",
        also=("filesystem.rm-recursive",),
    ),
    C("rm ~/.config/approve/packs/git.yaml", "self.tamper", "critical", also=("filesystem.rm",)),
    C(
        "truncate -s 0 /home/u/.local/state/approve/journal.jsonl",
        "self.tamper",
        "critical",
        also=("filesystem.truncate",),
    ),
    C("rm -f /run/user/1000/approve/pane.sock", "self.tamper", "critical", also=("filesystem.rm",)),
    C("chmod 000 ~/.config/approve/config.yaml", "self.tamper", "critical"),
    C("mv .codex/config.toml /tmp/", "self.tamper", "critical"),
    C("mv .claude/settings.local.json .claude/off.json", "self.tamper", "critical"),
    C("rm -rf ~/.claude", "self.tamper", "critical", also=("filesystem.rm-recursive",)),
    C("tee .gemini/settings.json", "self.tamper", "critical", resources=(".gemini/settings.json",)),
    C(
        """python3 -c "open('.claude/settings.json','w').write('{}')" """,
        "self.tamper",
        "critical",
        resources=(".claude/settings.json",),
    ),
    C("vim ~/.cursor/hooks.json", "self.tamper", "critical"),
    C(
        "sed -i 's/approve/true/' .claude/settings.json",
        "self.sed-in-place",
        "critical",
        resources=(".claude/settings.json",),
    ),
    C("sed -i.bak -e '/hooks/d' ~/.codex/hooks.json", "self.sed-in-place", "critical"),
    C("perl -pi -e 's/x/y/' ~/.config/approve/config.yaml", "self.tamper", "critical"),
    C("sed -i s/critical/low/ approve/analyze/packs/git.yaml", "self.sed-in-place", "critical"),
    C(
        "cp /tmp/evil.json ~/.claude/settings.json",
        "self.copy-onto",
        "critical",
        resources=("~/.claude/settings.json",),
    ),
    C("ln -sf /dev/null .codex/hooks.json", "self.copy-onto", "critical"),
    C("install -m 600 x.toml ~/.codex/config.toml", "self.copy-onto", "critical"),
    C("cp -t ~/.config/approve/packs/ evil.yaml", "self.copy-onto", "critical"),
    C(
        "find ~/.config/approve -name '*.yaml' -delete",
        "self.find-delete",
        "critical",
        also=("filesystem.find-delete",),
    ),
    C(
        "git checkout -- .claude/settings.json",
        "self.git-overwrite",
        "critical",
        also=("git.checkout-paths",),
    ),
    C("git rm .cursor/hooks.json", "self.git-overwrite", "critical"),
    C(
        "tmux send-keys -t approve y Enter",
        "self.tmux-send-keys-approve",
        "critical",
        resources=("approve",),
    ),
    C("tmux send-keys -t approve:0.1 'y' Enter", "self.tmux-send-keys-approve", "critical"),
    C("tmux send -t approve-pane Enter", "self.tmux-send-keys-approve", "critical"),
    C("tmux send-keys -t %3 'ls' Enter", "self.tmux-send-keys", "high", resources=("%3",)),
    C("tmux kill-pane -t approve", "self.tmux-kill-approve", "critical"),
    C("tmux kill-session -t approve", "self.tmux-kill-approve", "critical"),
    C("tmux kill-server", "self.tmux-kill-server", "high"),
    C("approve uninstall claude", "self.uninstall", "critical"),
    C("approve install codex --user", "self.install", "critical"),
    C("approve pane --join --code 123-456", "self.pane", "critical"),
    C("cp /tmp/memo ~/.cache/approve/safe-commands-v3.marshal", "self.copy-onto", "critical"),
    C("chmod 666 ~/.cache/approve/hook-config-v1.marshal", "self.tamper", "critical"),
    C(
        "python3 forge.py > $XDG_CACHE_HOME/approve/command-rules-v3.marshal",
        "self.tamper",
        "critical",
    ),
    C("socat - UNIX-CONNECT:/run/user/1000/approve/pane.sock", "self.pane-socket", "critical"),
    C(
        "python3 -c 'import socket; s.connect(\"/tmp/approve-0/pane.sock\")'",
        "self.pane-socket",
        "critical",
    ),
    C("pkill approve", "self.kill", "critical"),
    C("pkill -f 'python -m approve'", "self.kill", "critical"),
    C("killall -9 approve", "self.kill", "critical"),
    C("kill $(pgrep approve)", "self.kill", "critical"),
    C(
        "systemctl --user stop approve",
        "self.service-stop",
        "critical",
        also=("services.systemctl-stop",),
    ),
]

# (symbol, target, rule, severity, other rules that rightly fire too)
REDIRECTS: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    (">", "/dev/sda", "filesystem.redirect-device", "critical", ()),
    (">>", "/dev/nvme0n1", "filesystem.redirect-device", "critical", ()),
    (">", "/dev/mapper/vg-data", "filesystem.redirect-device", "critical", ()),
    (">", "/etc/hosts", "filesystem.redirect-system", "high", ()),
    (">>", "/etc/sudoers", "filesystem.redirect-system", "high", ()),
    (">>", "~/.ssh/authorized_keys", "filesystem.redirect-system", "high", ()),
    (">", "/home/u/.ssh/config", "filesystem.redirect-system", "high", ()),
    (">>", "~/.bashrc", "filesystem.redirect-system", "high", ()),
    (">", "out.txt", "filesystem.overwrite", "low", ()),
    (">", "/tmp/report.json", "filesystem.overwrite", "low", ()),
    (">", "/dev/ttyUSB0", "filesystem.overwrite", "low", ()),
    (">>", "notes.md", "filesystem.append", "low", ()),
    (">", "~/.claude/settings.json", "self.tamper", "critical", ("filesystem.overwrite",)),
    (">>", ".codex/hooks.json", "self.tamper", "critical", ("filesystem.append",)),
    (
        ">",
        "/home/u/.local/state/approve/journal.jsonl",
        "self.tamper",
        "critical",
        ("filesystem.overwrite",),
    ),
    (
        ">",
        "$XDG_CONFIG_HOME/approve/config.yaml",
        "self.tamper",
        "critical",
        ("filesystem.overwrite",),
    ),
]

# Read-only commands: a `safe` rule matches and nothing else does.
READ_ONLY: list[str] = [
    "ls -la",
    "less README.md",
    "cat README.md",
    "head -n 20 app.log",
    "tail -f app.log",
    "grep -rn 'rm -rf' .",
    "rg --hidden 'DROP TABLE'",
    "find . -name '*.py' -newer setup.cfg",
    "wc -l src/app.py",
    "stat file",
    "du -sh .",
    "df -h",
    "ps aux",
    "echo 'git push --force'",
    "printf '%s\\n' done",
    "pwd",
    "which kubectl",
    "env",
    "sort data.csv",
    "tree -L 2",
    "date -u",
    "hostname -f",
    "wipefs /dev/sdb",
    "sgdisk -p /dev/sdb",
    "git status",
    "git -C ../other log --oneline -n 5",
    "git diff HEAD~1 -- src",
    "git show HEAD:README.md",
    "git branch",
    "git branch -a",
    "git branch --merged main",
    "git remote -v",
    "git remote show origin",
    "git tag -l 'v1.*'",
    "git config --get user.email",
    "git stash list",
    "git reflog",
    "git fetch origin",
    "git fetch --all --tags",
    "kubectl get pods -A",
    "kubectl -n kube-system get pods -o wide",
    "kubectl --context prod-eu describe deploy web",
    "kubectl logs -f web-1 -c app",
    "kubectl top nodes",
    "kubectl explain deployment.spec",
    "kubectl diff -f app.yaml",
    "kubectl version",
    "kubectl config view --minify",
    "kubectl config get-contexts",
    "kubectl auth can-i delete pods",
    "kubectl rollout status deploy/web",
    "kubectl get ns stuck -o jsonpath='{.spec.finalizers}'",
    "helm list -A",
    "helm -n shop status web",
    "helm get values web",
    "helm template web ./chart",
    "helm history web",
    "terraform plan",
    "terraform plan -destroy -out=destroy.tfplan",
    "terraform -chdir=infra plan -out=tf.plan",
    "terraform show -json tf.plan",
    "terraform validate",
    "terraform fmt -check -recursive",
    "terraform output -json",
    "terraform state list",
    "terraform state show aws_instance.web",
    "tofu plan",
    "ceph -s",
    "ceph status",
    "ceph health detail",
    "ceph osd tree",
    "ceph osd df",
    "ceph pg stat",
    "ceph df",
    "ceph osd safe-to-destroy osd.7",
    "ceph osd ok-to-stop 7",
    "ceph --cluster east osd pool ls detail",
    "rbd ls -p rbd",
    "rados df",
    "ceph-volume lvm list",
    "aws ec2 describe-instances",
    "aws --profile prod --region us-east-1 rds describe-db-instances",
    "aws s3 ls s3://logs",
    "aws s3api list-objects-v2 --bucket b",
    "aws iam get-role --role-name r",
    "aws sts get-caller-identity",
    "gcloud compute instances list",
    "gcloud sql instances describe db1",
    "gcloud config list",
    "gsutil ls gs://b",
    "az vm list -o table",
    "az group show -n rg1",
    "az account show",
    "docker ps -a",
    "docker images",
    "docker logs -f web",
    "docker inspect web",
    "docker volume ls",
    "docker compose ps",
    "docker compose logs -f",
    "podman ps",
    "psql -l",
    "redis-cli ping",
    "redis-cli GET session:1",
    "redis-cli --scan --pattern 'user:*'",
    "cat ~/.claude/settings.json",
    "grep hooks .codex/hooks.json",
    "ls ~/.config/approve/packs",
]
READ_ONLY_REDIRECTS = [(">", "/dev/null"), (">>", "/dev/stderr"), (">", "/dev/fd/2")]

# Near misses: look destructive, are not (dry runs, read-only variants, words used as data).
# None of this file's packs may fire on them.
NEAR_MISS: list[str] = [
    "kubectl delete deploy web --dry-run=client",
    "kubectl delete deploy web --dry-run=server",
    "kubectl delete deploy web --dry-run",
    "kubectl delete ns payments --dry-run=server",
    "kubectl apply -f app.yaml --prune -l app=web --dry-run=server",
    "kubectl drain node-1 --delete-emptydir-data --dry-run=client",
    "kubectl scale deploy web --replicas=3",
    "kubectl create deploy web --image=nginx --dry-run=client -o yaml",
    "helm uninstall web --dry-run",
    "helm upgrade web ./chart --dry-run=server",
    "helm rollback web 3 --dry-run",
    "aws s3 rm s3://logs/ --recursive --dryrun",
    "aws s3 sync ./site s3://www --delete --dryrun",
    "aws s3 cp a.txt s3://b/a.txt",
    "git checkout main",
    "git checkout -b topic",
    "git restore --staged src/app.py",
    "git clean -n -fdx",
    "git clean --dry-run -d",
    "git commit -m 'git reset --hard was a mistake'",
    "git push origin topic",
    "git push origin main",
    "git rebase --continue",
    "git gc",
    "git branch topic",
    "git log --grep 'push --force'",
    "ls -rf",
    "pg_resetwal -n /var/lib/postgresql/16/main",
    "wipefs -n -a /dev/sdb",
    "dd if=/dev/sda of=/dev/null bs=1M count=1",
    "find . -name '*.log' -print",
    "cp ~/.claude/settings.json /tmp/settings.backup.json",
    "sed -n '1,20p' .claude/settings.json",
    "jq . .claude/settings.json",
    "touch ~/.config/approved-list",
    "yq '.hooks' .claude/settings.json",
    "pkill approver",
    "tmux kill-session -t work",
    "tmux list-panes -a",
    "mongosh --eval 'db.orders.find({}).count()'",
    "cqlsh -e 'SELECT * FROM shop.orders LIMIT 1'",
    "redis-cli GET flushall-count",
    "terraform plan -destroy",
    "terraform version",
    "gcloud compute instances describe vm1",
    "az vm show -g rg -n vm1",
    "ceph osd pool ls",
    "docker compose up -d",
    "docker run --rm -v data:/data alpine ls /data",
]


def _find(command: Command) -> tuple[dict[str, Finding], bool]:
    findings, readonly = match_command(SHIPPED, command)
    return ours(findings), readonly


def _mismatch(command: Command, case: Case) -> str | None:
    """How the findings for command differ from what the case expects; None when they agree."""
    found, readonly = _find(command)
    if readonly:
        return f"{command.text!r}: a safe rule matched too"
    expected = {case.rule, *case.also}
    if set(found) != expected:
        return f"{command.text!r}: {sorted(found)} != {sorted(expected)}"
    finding = found[case.rule]
    if finding.severity != Tier.parse(case.severity):
        return f"{command.text!r}: {finding.severity.label} != {case.severity}"
    if case.resources is not None and finding.resources != case.resources:
        return f"{command.text!r}: resources {finding.resources} != {case.resources}"
    return None


@pytest.mark.parametrize("case", DESTRUCTIVE, ids=[c.text[:60] for c in DESTRUCTIVE])
def test_destructive_command_fires_its_rule(case: Case) -> None:
    problem = _mismatch(build(case.text), case)
    assert problem is None, problem


@pytest.mark.parametrize("case", DESTRUCTIVE, ids=[c.text[:60] for c in DESTRUCTIVE])
def test_destructive_command_fires_on_raw_text_too(case: Case) -> None:
    problem = _mismatch(build(case.text, raw=True), case)
    assert problem is None, problem


@pytest.mark.parametrize(("symbol", "target", "rule_id", "severity", "also"), REDIRECTS)
def test_redirect_pseudo_command(
    symbol: str, target: str, rule_id: str, severity: str, also: tuple[str, ...]
) -> None:
    found, readonly = _find(redirect(symbol, target))
    assert not readonly
    assert set(found) == {rule_id, *also}, sorted(found)
    assert found[rule_id].severity == Tier.parse(severity)
    assert found[rule_id].resources == (target,)


@pytest.mark.parametrize("text", READ_ONLY)
def test_read_only_command_is_safe(text: str) -> None:
    for command in (build(text), build(text, raw=True)):
        found, readonly = _find(command)
        assert found == {}, f"{text!r}: {sorted(found)}"
        assert readonly, f"{text!r}: no safe rule recognises it"


@pytest.mark.parametrize(("symbol", "target"), READ_ONLY_REDIRECTS)
def test_discarding_redirect_is_safe(symbol: str, target: str) -> None:
    found, readonly = _find(redirect(symbol, target))
    assert found == {} and readonly


@pytest.mark.parametrize("text", NEAR_MISS)
def test_near_miss_does_not_fire(text: str) -> None:
    for command in (build(text), build(text, raw=True)):
        found, _ = _find(command)
        assert found == {}, f"{text!r}: {sorted(found)}"


def test_two_am_ceph_purge_sequence() -> None:
    """The incident: purging an OSD straight away. The safe steps are told apart from it."""
    purge = build("ceph osd purge 7 --yes-i-really-mean-it")
    found, readonly = _find(purge)
    assert not readonly
    finding = found["ceph.osd-purge"]
    assert finding.severity == Tier.CRITICAL
    assert finding.resources == ("osd.7",)
    assert finding.safer is not None
    for step in ("ceph osd out", "active+clean", "safe-to-destroy", "purge"):
        assert step in finding.safer
    # The safe sequence, step by step: checks are read-only, `out` is reversible but high,
    # the purge and the wipe stay critical (a single command cannot prove the checks passed).
    sequence = [
        ("ceph -s", Tier.SAFE),
        ("ceph osd out 7", Tier.HIGH),
        ("ceph pg stat", Tier.SAFE),
        ("ceph osd safe-to-destroy osd.7", Tier.SAFE),
        ("ceph osd purge 7 --yes-i-really-mean-it", Tier.CRITICAL),
        ("ceph-volume lvm zap /dev/sdb --destroy", Tier.CRITICAL),
    ]
    for text, tier in sequence:
        found, readonly = _find(build(text))
        worst = max((f.severity for f in found.values()), default=Tier.SAFE)
        assert worst == tier, text
        assert readonly == (tier == Tier.SAFE), text


def test_dry_run_none_and_false_still_execute() -> None:
    for value in ("none", "false"):
        found, _ = _find(build(f"kubectl delete deploy web --dry-run={value}"))
        assert set(found) == {"kubernetes.delete"}
    for value in ("client", "server"):
        found, _ = _find(build(f"kubectl delete deploy web --dry-run={value}"))
        assert found == {}


def test_prompt_skipping_flag_raises_one_tier_and_says_so() -> None:
    plain, _ = _find(build("gcloud pubsub topics delete t1"))
    quiet, _ = _find(build("gcloud pubsub topics delete t1 --quiet"))
    assert plain["gcloud.delete"].severity == Tier.HIGH
    assert quiet["gcloud.delete"].severity == Tier.CRITICAL
    assert "--quiet" in quiet["gcloud.delete"].why


# ---------------------------------------------------------------------------------------------
# The packs themselves


def test_every_pack_this_file_covers_is_shipped() -> None:
    assert {pack_of(rule) for rule in OUR_RULES} == set(COMMAND_PACKS)


def test_every_rule_has_an_id_in_its_pack_and_a_plain_why() -> None:
    for rule in OUR_RULES:
        assert rule.id and "." in rule.id, rule.source
        assert len(rule.why) >= 12, f"{rule.id}: 'why' says too little"
        assert rule.why == rule.why.strip() and "\n" not in rule.why, rule.id


def test_every_critical_rule_names_a_safer_way() -> None:
    missing = [r.id for r in OUR_RULES if r.severity == Tier.CRITICAL and not r.safer]
    assert missing == []


def test_every_destructive_rule_is_exercised_by_an_example() -> None:
    expected = {c.rule for c in DESTRUCTIVE} | {c[2] for c in REDIRECTS}
    unexercised = [r.id for r in OUR_RULES if r.severity != Tier.SAFE and r.id not in expected]
    assert unexercised == []


def test_every_safe_rule_is_exercised_by_a_read_only_example() -> None:
    commands = [build(t) for t in READ_ONLY] + [redirect(s, t) for s, t in READ_ONLY_REDIRECTS]
    for rule in (r for r in OUR_RULES if r.severity == Tier.SAFE):
        assert any(rule_matches(rule, c) for c in commands), f"{rule.id} matches no example"


@pytest.mark.parametrize("case", DESTRUCTIVE, ids=[c.text[:60] for c in DESTRUCTIVE])
def test_no_safe_rule_matches_a_destructive_example(case: Case) -> None:
    """A safe rule alone must never vouch for a destructive command (even if its rule is gone)."""
    command = build(case.text)
    for rule in (r for r in SHIPPED.rules if r.severity == Tier.SAFE and r.kind == "command"):
        assert not rule_matches(rule, command), f"{rule.id} calls {case.text!r} read-only"


@pytest.mark.parametrize(("symbol", "target", "rule_id", "severity", "also"), REDIRECTS)
def test_no_safe_rule_matches_a_destructive_redirect(
    symbol: str, target: str, rule_id: str, severity: str, also: tuple[str, ...]
) -> None:
    command = redirect(symbol, target)
    for rule in (r for r in SHIPPED.rules if r.severity == Tier.SAFE and r.kind == "command"):
        assert not rule_matches(rule, command), rule.id


def test_no_rule_regex_backtracks_on_a_long_command_line() -> None:
    """A regex that backtracks exponentially hangs approve on one long command (seen once: a lazy
    option group in the aws prefix took 2 s at 20 words). Linear regexes take milliseconds here;
    the bound is generous so that only a runaway regex fails."""
    import time

    fillers = [
        "x ",
        "-a ",
        "--profile p ",
        "-n x ",
        "--context=c ",
        "delete ",
        "'a b' ",
        "approve ",
    ]
    for program, program_rules in SHIPPED.by_command.items():
        for filler in fillers:
            argv = (program, *shlex.split(filler * 300))
            text = shlex.join(argv)
            for rule in program_rules:
                if rule.regex is None:
                    continue
                start = time.perf_counter()
                rule.regex.search(text)
                assert time.perf_counter() - start < 0.5, f"{rule.id} on {filler!r} * 300"


# Look read-only, run a program: never `safe`.
RUNS_A_PROGRAM = [
    "less +!reboot notes.txt",
    "less -k /tmp/keys notes.txt",
    "git grep -O reboot pattern",
    "git -c core.pager=reboot log",
    "git -c core.fsmonitor=/tmp/evil status",
    "git diff --ext-diff",
    "kubectl --kubeconfig /tmp/k.yaml get pods",  # its exec credential plugin runs
    "helm --kubeconfig /tmp/k.yaml list",
    "KUBECONFIG=/tmp/k.yaml kubectl get pods",
    "PAGER=reboot git log",
    "LD_PRELOAD=/tmp/e.so ls",
    "env LD_PRELOAD=/tmp/e.so ls",
    "export PAGER=reboot; git log",
    "PATH=/tmp/bin:$PATH; ls",
]


@pytest.mark.parametrize("text", RUNS_A_PROGRAM)
def test_a_read_only_looking_command_that_runs_a_program_is_not_safe(text: str) -> None:
    assessment = analyze(text, "shell")
    assert assessment.tier != Tier.SAFE, text


@pytest.mark.parametrize(
    "text", ["LANG=C ls -la", "LC_ALL=C sort notes.txt", "TZ=UTC date", "F=notes.txt; cat $F"]
)
def test_a_locale_or_time_zone_keeps_a_read_only_command_safe(text: str) -> None:
    assert analyze(text, "shell").tier == Tier.SAFE, text
