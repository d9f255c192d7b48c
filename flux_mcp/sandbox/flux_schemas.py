"""The sandbox's Flux CRD schemas, in the compact text of `schema_text` (written for the sandbox).

Field names, types, enums, patterns, bounds, defaults and CEL rules follow the Flux 2.9 and
flux-operator APIs so that `explain_flux_api` on the sandbox documents what users run and writes
are validated as a real cluster validates them; `tests/sandbox/test_schema_agreement.py` compares
them with the upstream CRDs. The descriptions are our own words. A node marked `open` is one this
text does not document in full: it keeps fields it does not know instead of refusing them.
"""

from __future__ import annotations

BLOCKS: dict[str, str] = {
    "name": """
name str ! | Name of the referent.
""",
    "conditions": """
[] obj | One observation: type, status (True, False, Unknown), reason, message and when it last changed.
  lastTransitionTime str ! fmt:date-time | When the condition last changed status.
  message str ! len:-32768 | A human readable message about the transition.
  observedGeneration int fmt:int64 min:0 | The generation the condition was set for.
  reason str ! ~reason len:1-1024 | A CamelCase reason for the last transition.
  status str ! =True,False,Unknown | Status of the condition.
  type str ! ~ctype len:-316 | Type of the condition, for example Ready.
""",
    "artifact": """
digest str ! ~/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/ | The digest of the artifact file, algo:checksum.
lastUpdateTime str ! fmt:date-time | When the artifact was last updated.
metadata map | Metadata of the artifact (OCI annotations, for example).
path str ! | The path of the artifact in the source-controller storage.
revision str ! | A human readable identifier of the content, for example main@sha1:<commit>.
size int fmt:int64 | The size of the artifact file in bytes.
url str ! | The HTTP address the artifact can be downloaded from inside the cluster.
""",
    "source-status": """
conditions arr @conditions | The observations of the object's current state: Ready, Reconciling, Stalled, ...
lastHandledReconcileAt str | The reconcile.fluxcd.io/requestedAt value the controller last handled.
observedGeneration int fmt:int64 | The last generation the controller reconciled.
""",
    "kubeconfig": """
configMapRef obj @name | A ConfigMap holding the provider configuration of a remote cluster (workload identity).
secretRef obj | A Secret holding the kubeconfig of a remote cluster.
  key str | The data key of the kubeconfig; value or value.yaml when empty.
  name str ! | Name of the Secret.
? has(self.configMapRef) || has(self.secretRef) :: exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified
? !has(self.configMapRef) || !has(self.secretRef) :: exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified
""",
    "selector-target": """
annotationSelector str | An annotation selector of the targeted objects.
group str | API group of the targeted objects.
kind str | Kind of the targeted objects.
labelSelector str | A label selector of the targeted objects.
name str | Name of the targeted objects.
namespace str | Namespace of the targeted objects.
version str | API version of the targeted objects.
""",
    "patches": """
patch str ! | A strategic merge patch or JSON6902 patch, inline YAML.
target obj @selector-target | The objects the patch applies to.
""",
    "images": """
digest str | The digest to use instead of the tag.
name str ! | The image name to replace.
newName str | The replacement image name.
newTag str | The replacement tag.
""",
    "depends-on": """
name str ! | Name of the dependency.
namespace str | Namespace of the dependency; the object's own namespace when empty.
readyExpr str | A CEL expression deciding readiness instead of Ready=True.
""",
    "health-exprs": """
apiVersion str ! | API version of the objects the expressions apply to.
current str ! | A CEL expression true when the object is healthy.
failed str | A CEL expression true when the object has failed.
inProgress str | A CEL expression true while the object is progressing.
kind str | Kind of the objects the expressions apply to.
""",
    "common-metadata": """
annotations map | Annotations added to every applied object.
labels map | Labels added to every applied object.
""",
    "inventory": """
entries arr ! | The applied objects.
  id str ! | The object id: <namespace>_<name>_<group>_<kind>.
  v str ! | The API version of the object.
""",
    "oidc-identity": """
issuer str ! | A regular expression the OIDC issuer must match.
subject str ! | A regular expression the OIDC subject must match.
""",
    "drift-ignore": """
paths arr ! | JSON pointers of the fields to ignore.
  [] str
target obj @selector-target | The objects the rule applies to.
""",
}

_SOURCE_AUTH = """
secretRef obj @name | A Secret in the same namespace with the credentials to access the source.
"""

SPECS: dict[str, str] = {}
STATUS: dict[str, str] = {}
RULES: dict[str, str] = {}
"""Root-level CEL rules (those on the whole object) per kind."""

# --- source.toolkit.fluxcd.io -------------------------------------------------------------------

SPECS["GitRepository"] = """
ignore str | Extra .sourceignore patterns; the repository's own .sourceignore applies too.
include arr | Other GitRepositories whose artifacts are included in this one.
  fromPath str | The path to copy from in the included repository.
  repository obj ! @name | The included GitRepository.
  toPath str | The path to copy to in this artifact.
interval str ! ~duration | How often the repository is checked for new commits.
provider str =generic,aws,azure,github | The provider used for authentication; generic uses secretRef.
proxySecretRef obj @name | A Secret with the proxy address and credentials.
recurseSubmodules bool | Also clone the submodules.
ref obj | The Git reference to check out; the default branch when empty.
  branch str | The branch to check out.
  commit str | A commit SHA to check out; with branch, the commit must be on it.
  name str | A full reference name, for example refs/heads/main or refs/pull/420/head.
  semver str | A SemVer range of tags to pick the highest from.
  tag str | The tag to check out.
secretRef obj @name | A Secret with the credentials (basic auth, token or SSH key).
serviceAccountName str | The ServiceAccount used for workload identity with the aws or azure provider.
sparseCheckout arr | Directories to check out; everything when empty.
  [] str
suspend bool | Stop reconciling; a reconcile already started is not affected.
timeout str ~/^([0-9]+(\\.[0-9]+)?(ms|s|m))+$/ def:"60s" | Timeout of Git operations.
url str ! ~git-url | The repository URL: http(s):// or ssh://.
verify obj | Commit or tag signature verification.
  mode str =head,HEAD,Tag,TagAndHEAD def:"HEAD" | What is verified.
  secretRef obj ! @name | A Secret with the trusted public keys.
? !has(self.serviceAccountName) || (has(self.provider) && (self.provider == 'azure' || self.provider == 'aws')) :: serviceAccountName can only be set when provider is 'azure' or 'aws'
"""
STATUS["GitRepository"] = """
artifact obj @artifact | The artifact of the last successful reconciliation.
includedArtifacts arr @artifact | The artifacts of the included repositories.
observedIgnore str | The ignore patterns of the last artifact.
observedInclude arr | The includes of the last artifact.
  fromPath str | The path copied from.
  repository obj ! @name | The included GitRepository.
  toPath str | The path copied to.
observedRecurseSubmodules bool | Whether the last artifact includes submodules.
observedSparseCheckout arr | The sparse checkout directories of the last artifact.
  [] str
sourceVerificationMode str | The verification mode of the last artifact.
"""

SPECS["OCIRepository"] = """
certSecretRef obj @name | A Secret with TLS certificates (ca.crt, tls.crt, tls.key).
ignore str | Extra .sourceignore patterns.
insecure bool | Allow plain HTTP registries.
interval str ! ~duration | How often the registry is checked for a new artifact.
layerSelector obj | Which layer is taken and how.
  mediaType str | The media type of the layer; the first layer when empty.
  operation str =extract,copy | Extract the layer (a tarball) or copy it as it is.
provider str =generic,aws,azure,gcp def:"generic" | The provider used for authentication.
proxySecretRef obj @name | A Secret with the proxy address and credentials.
ref obj | The artifact to pull; latest when empty.
  digest str | An image digest; takes precedence over tag and semver.
  semver str | A SemVer range of tags to pick the highest from.
  semverFilter str | A regular expression tags must match before the SemVer range applies.
  tag str | The tag to pull.
secretRef obj @name | A docker-registry Secret with the registry credentials.
serviceAccountName str | A ServiceAccount whose image pull secrets are used.
suspend bool | Stop reconciling; a reconcile already started is not affected.
timeout str ~/^([0-9]+(\\.[0-9]+)?(ms|s|m))+$/ def:"60s" | Timeout of registry operations.
url str ! ~oci-url | The OCI repository address, oci://<host>/<path>.
verify obj | Signature verification of the artifact.
  matchOIDCIdentity arr @oidc-identity | Accepted keyless signing identities.
  provider str ! =cosign,notation def:"cosign" | The signing tool.
  secretRef obj @name | A Secret with the trusted public keys.
  trustedRootSecretRef obj @name | A Secret with a custom trusted root (cosign).
"""
STATUS["OCIRepository"] = """
artifact obj @artifact | The artifact of the last successful reconciliation.
observedIgnore str | The ignore patterns of the last artifact.
observedLayerSelector obj | The layer selector of the last artifact.
  mediaType str | The media type of the layer.
  operation str =extract,copy | How the layer was taken.
url str | The download address of the last artifact.
"""

SPECS["HelmRepository"] = """
accessFrom obj | Namespaces allowed to use this repository (cross-namespace references).
  namespaceSelectors arr ! | Selectors of the allowed namespaces.
    matchLabels map | Labels the namespace must carry.
certSecretRef obj @name | A Secret with TLS certificates (ca.crt, tls.crt, tls.key).
insecure bool | Allow plain HTTP (OCI repositories only).
interval str ~duration | How often the index is downloaded (not used for OCI repositories).
passCredentials bool | Send the credentials to chart downloads on other hosts too.
provider str =generic,aws,azure,gcp def:"generic" | The provider used for authentication (OCI only).
secretRef obj @name | A Secret with the credentials (basic auth or TLS).
suspend bool | Stop reconciling; a reconcile already started is not affected.
timeout str ~/^([0-9]+(\\.[0-9]+)?(ms|s|m))+$/ | Timeout of the index download.
type str =default,oci | default for an HTTP index, oci for an OCI registry.
url str ! ~helm-url | The repository address: http(s):// for an index, oci:// for a registry.
"""
STATUS["HelmRepository"] = """
artifact obj @artifact | The index artifact of the last successful reconciliation.
url str | The download address of the index.
"""

SPECS["HelmChart"] = """
chart str ! | The chart name (HelmRepository) or path (GitRepository, Bucket).
ignoreMissingValuesFiles bool | Do not fail when a values file is missing.
interval str ! ~duration | How often the source is checked for a new chart version.
reconcileStrategy str =ChartVersion,Revision def:"ChartVersion" | What makes a new chart: a new version or a new source revision.
sourceRef obj ! | The source of the chart.
  apiVersion str | API version of the referent.
  kind str ! =HelmRepository,GitRepository,Bucket | Kind of the referent.
  name str ! | Name of the referent.
suspend bool | Stop reconciling; a reconcile already started is not affected.
valuesFiles arr | Values files merged in order into the chart's values.yaml.
  [] str
verify obj | Signature verification (OCI HelmRepository charts).
  matchOIDCIdentity arr @oidc-identity | Accepted keyless signing identities.
  provider str ! =cosign,notation def:"cosign" | The signing tool.
  secretRef obj @name | A Secret with the trusted public keys.
version str def:"*" | A SemVer version or range of the chart.
? !has(self.verify) || self.sourceRef.kind == 'HelmRepository' :: spec.verify is only supported when spec.sourceRef.kind is 'HelmRepository'
"""
STATUS["HelmChart"] = """
artifact obj @artifact | The packaged chart of the last successful reconciliation.
observedChartName str | The chart name last resolved.
observedSourceArtifactRevision str | The source revision the chart was last built from.
observedValuesFiles arr | The values files of the last chart.
  [] str
url str | The download address of the chart.
"""

# --- kustomize.toolkit.fluxcd.io ----------------------------------------------------------------

SPECS["Kustomization"] = """
buildMetadata arr | Build metadata kustomize adds to the objects.
  [] str =originAnnotations,transformerAnnotations
commonMetadata obj @common-metadata | Labels and annotations added to every applied object.
components arr | Kustomize components included in the build, relative to path.
  [] str
decryption obj | Decryption of SOPS-encrypted Secrets in the build.
  provider str ! =sops | The decryption provider.
  secretRef obj @name | A Secret with the decryption keys.
  serviceAccountName str | A ServiceAccount used for KMS workload identity.
deletionPolicy str =MirrorPrune,Delete,WaitForTermination,Orphan | What happens to the applied objects when the Kustomization is deleted.
dependsOn arr @depends-on | Kustomizations that must be ready before this one is applied.
force bool def:false | Recreate objects whose immutable fields changed.
healthCheckExprs arr @health-exprs | CEL health checks for custom resources.
healthChecks arr | Objects whose health is checked after applying (with wait off).
  apiVersion str | API version of the object.
  kind str ! | Kind of the object.
  name str ! | Name of the object.
  namespace str | Namespace of the object.
ignore arr @drift-ignore | Fields left alone when applying (server-side apply ownership stays).
ignoreMissingComponents bool | Do not fail when a component is missing.
images arr @images | Image overrides applied to the build.
interval str ! ~duration | How often the build is applied again, also without a new revision.
kubeConfig obj @kubeconfig | Apply to a remote cluster with this kubeconfig.
namePrefix str len:1-200 | A prefix added to the names of all objects.
nameSuffix str len:1-200 | A suffix added to the names of all objects.
patches arr @patches | Strategic merge and JSON6902 patches applied to the build.
path str | The path of the kustomization in the source; the root when empty.
postBuild obj | Variable substitution after the build.
  substitute map | Variables and their values, used as ${var}.
  substituteFrom arr | ConfigMaps and Secrets holding variables, merged in order.
    kind str ! =Secret,ConfigMap | Kind of the referent.
    name str ! len:1-253 | Name of the referent.
    optional bool def:false | Do not fail when the referent is missing.
  substituteStrategy str =WithVariables,Always | When to substitute: only in objects that use variables, or always.
prune bool ! | Delete the objects a new build no longer contains.
retryInterval str ~duration | How soon a failed reconcile is retried; interval when empty.
serviceAccountName str | The ServiceAccount impersonated when applying.
sourceRef obj ! | The source of the build.
  apiVersion str | API version of the referent.
  kind str ! =OCIRepository,GitRepository,Bucket,ExternalArtifact | Kind of the referent.
  name str ! | Name of the referent.
  namespace str | Namespace of the referent; the Kustomization's own when empty.
suspend bool | Stop reconciling; a reconcile already started is not affected.
targetNamespace str len:1-63 | Puts every namespaced object into this namespace.
timeout str ~duration | Timeout of build, apply and health checks; interval when empty.
wait bool | Wait for every applied object to become ready.
"""
STATUS["Kustomization"] = """
history arr | The latest reconciliations, newest first.
  digest str ! | The digest of the applied build.
  firstReconciled str ! fmt:date-time | When this build was first reconciled.
  lastReconciled str ! fmt:date-time | When this build was last reconciled.
  lastReconciledDuration str ! | How long the last reconciliation took.
  lastReconciledStatus str ! | The outcome of the last reconciliation.
  metadata map | Revision and other data of the build.
  totalReconciliations int ! fmt:int64 | How many times this build was reconciled.
inventory obj @inventory | The objects applied by the last successful reconciliation.
lastAppliedOriginRevision str | The origin revision of the last applied source (OCI annotations).
lastAppliedRevision str | The source revision last applied successfully.
lastAttemptedRevision str | The source revision last attempted.
"""

# --- helm.toolkit.fluxcd.io ---------------------------------------------------------------------

_HELM_ACTION = """
disableHooks bool | Skip the chart hooks.
disableWait bool | Do not wait for the resources to be ready.
disableWaitForJobs bool | Do not wait for Jobs to complete.
"""
BLOCKS["helm-action"] = _HELM_ACTION
BLOCKS["helm-strategy"] = """
name str ! =RemediateOnFailure,RetryOnFailure | Remediate (rollback or uninstall) on failure, or retry.
retryInterval str ~duration | How soon a failed action is retried (RetryOnFailure).
"""
BLOCKS["helm-ref"] = """
apiVersion str | API version of the referent.
name str ! len:1-253 | Name of the referent.
namespace str len:1-63 | Namespace of the referent; the HelmRelease's own when empty.
"""

SPECS["HelmRelease"] = """
chart obj | A template of the HelmChart created for this release.
  metadata obj @common-metadata | Labels and annotations of the HelmChart.
  spec obj ! | The HelmChart spec.
    chart str ! len:1-2048 | The chart name or path.
    ignoreMissingValuesFiles bool | Do not fail when a values file is missing.
    interval str ~duration | How often the source is checked for a new chart version.
    reconcileStrategy str =ChartVersion,Revision def:"ChartVersion" | What makes a new chart.
    sourceRef obj ! @helm-ref | The source of the chart.
      kind str ! =HelmRepository,GitRepository,Bucket | Kind of the referent.
    valuesFiles arr | Values files merged in order into the chart's values.yaml.
      [] str
    verify obj | Signature verification of the chart.
      provider str ! =cosign,notation def:"cosign" | The signing tool.
      secretRef obj @name | A Secret with the trusted public keys.
    version str def:"*" | A SemVer version or range of the chart.
chartRef obj @helm-ref | An OCIRepository, HelmChart or ExternalArtifact holding the chart.
  kind str ! =OCIRepository,HelmChart,ExternalArtifact | Kind of the referent.
commonMetadata obj @common-metadata | Labels and annotations added to every object of the release.
dependsOn arr @depends-on | HelmReleases that must be ready before this one is installed.
driftDetection obj | Detection and correction of changes made to the release's objects in the cluster.
  ignore arr @drift-ignore | Fields left out of drift detection.
  mode str =enabled,warn,disabled | enabled corrects drift, warn only reports it.
healthCheckExprs arr @health-exprs | CEL health checks for custom resources.
install obj | Install settings.
  crds str =Skip,Create,CreateReplace | What to do with the chart's CRDs.
  createNamespace bool | Create the target namespace when missing.
  @helm-action
  disableOpenAPIValidation bool | Do not validate the rendered objects against the OpenAPI schema.
  disableSchemaValidation bool | Do not validate the values against the chart's schema.
  disableTakeOwnership bool | Do not take over objects that exist already.
  remediation obj | What happens when the install fails.
    ignoreTestFailures bool | Do not remediate when the tests fail.
    remediateLastFailure bool | Also remediate the last retry.
    retries int | How many times a failed install is retried.
  replace bool | Reuse the name of a deleted release still in history.
  serverSideApply bool | Apply the objects with server-side apply.
  skipCRDs bool | Do not install the chart's CRDs (deprecated, use crds).
  strategy obj @helm-strategy | How a failed install is handled.
    ? !has(self.retryInterval) || self.name != 'RemediateOnFailure' :: .retryInterval cannot be set when .name is 'RemediateOnFailure'
  timeout str ~duration | Timeout of the install.
interval str ! ~duration | How often the release is reconciled.
kubeConfig obj @kubeconfig | Install into a remote cluster with this kubeconfig.
maxHistory int | How many release revisions are kept; 5 when empty, 0 for all.
persistentClient bool | Keep one Kubernetes client for the whole reconcile.
postRenderStrategy str =nohooks,combined,separate | Which objects the post renderers change.
postRenderers arr | Kustomize post renderers applied to the rendered chart.
  kustomize obj | Kustomize patches and image overrides.
    images arr @images | Image overrides.
    patches arr @patches | Strategic merge and JSON6902 patches.
releaseName str len:1-53 | The Helm release name; [<targetNamespace>-]<name> when empty.
rollback obj | Rollback settings.
  cleanupOnFail bool | Delete new objects when the rollback fails.
  @helm-action
  force bool | Replace objects that cannot be updated.
  recreate bool | Restart the pods of the release.
  serverSideApply str =enabled,disabled,auto | Roll back with server-side apply.
  timeout str ~duration | Timeout of the rollback.
serviceAccountName str len:1-253 | The ServiceAccount impersonated for Helm actions.
storageNamespace str len:1-63 | The namespace of the Helm release storage.
suspend bool | Stop reconciling; a reconcile already started is not affected.
targetNamespace str len:1-63 | The namespace the release is installed into.
test obj | Helm test settings.
  enable bool | Run the chart's tests after install and upgrade.
  filters arr | Tests to run or skip.
    exclude bool | Skip this test.
    name str ! len:1-253 | Name of the test.
  ignoreFailures bool | A failed test does not fail the release.
  timeout str ~duration | Timeout of the tests.
timeout str ~duration | Timeout of each Helm action; 5m when empty.
uninstall obj | Uninstall settings.
  deletionPropagation str =background,foreground,orphan def:"background" | How dependent objects are deleted.
  disableHooks bool | Skip the chart hooks.
  disableWait bool | Do not wait for the objects to be deleted.
  keepHistory bool | Keep the release history.
  timeout str ~duration | Timeout of the uninstall.
upgrade obj | Upgrade settings.
  chartNameChangeStrategy str =InPlaceUpdate,Reinstall | What happens when the chart name changes.
  cleanupOnFail bool | Delete new objects when the upgrade fails.
  crds str =Skip,Create,CreateReplace | What to do with the chart's CRDs.
  @helm-action
  disableOpenAPIValidation bool | Do not validate the rendered objects against the OpenAPI schema.
  disableSchemaValidation bool | Do not validate the values against the chart's schema.
  disableTakeOwnership bool | Do not take over objects that exist already.
  force bool | Replace objects that cannot be updated.
  preserveValues bool | Reuse the values of the last release.
  remediation obj | What happens when the upgrade fails.
    ignoreTestFailures bool | Do not remediate when the tests fail.
    remediateLastFailure bool | Also remediate the last retry.
    retries int | How many retries of a failed upgrade are made; -1 to retry for ever.
    strategy str =rollback,uninstall | The remediation.
  serverSideApply str =enabled,disabled,auto | Upgrade with server-side apply.
  strategy obj @helm-strategy | How a failed upgrade is handled.
    ? !has(self.retryInterval) || self.name == 'RetryOnFailure' :: .retryInterval can only be set when .name is 'RetryOnFailure'
  timeout str ~duration | Timeout of the upgrade.
values any | Helm values, merged over the chart's defaults and valuesFrom.
valuesFrom arr | ConfigMaps and Secrets with values, merged in order.
  kind str ! =Secret,ConfigMap | Kind of the referent.
  literal bool | Take the value as a literal string at targetPath.
  name str ! len:1-253 | Name of the referent.
  optional bool | Do not fail when the referent or key is missing.
  targetPath str ~/^([a-zA-Z0-9_\\-.\\\\\\/]|\\[[0-9]{1,5}\\])+$/ len:-250 | Where in the values the value is put.
  valuesKey str ~/^[\\-._a-zA-Z0-9]+$/ len:-253 | The data key with the values; values.yaml when empty.
waitStrategy obj | How readiness of the release's objects is waited for.
  name str ! =poller,legacy | The kstatus poller or Helm's legacy wait.
? (has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef)) :: either chart or chartRef must be set
"""
STATUS["HelmRelease"] = """
failures int fmt:int64 | Reconcile failures since the last success.
helmChart str | The namespace/name of the HelmChart created for this release.
history arr | Snapshots of the latest release revisions, newest first.
  action str | The Helm action of the revision.
  apiVersion str | The API version of the snapshot format.
  appVersion str | The chart's app version.
  chartName str ! | The chart name.
  chartVersion str ! | The chart version.
  configDigest str ! | The digest of the values.
  deleted str fmt:date-time | When the revision was uninstalled.
  digest str ! | The digest of the release.
  firstDeployed str ! fmt:date-time | When the release was first deployed.
  lastDeployed str ! fmt:date-time | When this revision was deployed.
  name str ! | The release name.
  namespace str ! | The release namespace.
  ociDigest str | The digest of the OCI chart artifact.
  status str ! | The Helm status: deployed, failed, superseded, ...
  testHooks obj | The test hooks of the revision and their last run.
    {} obj | One test hook.
      lastCompleted str fmt:date-time | When the test last completed.
      lastStarted str fmt:date-time | When the test last started.
      phase str | The phase of the last run.
  version int ! | The Helm release revision.
installFailures int fmt:int64 | Failed installs since the last success.
inventory obj @inventory | The objects of the release.
lastAttemptedConfigDigest str | The digest of the values last attempted.
lastAttemptedGeneration int fmt:int64 | The generation last attempted.
lastAttemptedReleaseAction str =install,upgrade | The Helm action last attempted.
lastAttemptedReleaseActionDuration str | How long the last action took.
lastAttemptedRevision str | The chart version last attempted.
lastAttemptedRevisionDigest str | The digest of the chart last attempted.
lastAttemptedValuesChecksum str | The checksum of the values last attempted (deprecated).
lastHandledForceAt str | The reconcile.fluxcd.io/forceAt value last handled.
lastHandledResetAt str | The reconcile.fluxcd.io/resetAt value last handled.
lastReleaseRevision int | The release revision last deployed (deprecated).
observedCommonMetadataDigest str | The digest of the common metadata last applied.
observedPostRenderersDigest str | The digest of the post renderers last applied.
storageNamespace str len:1-63 | The namespace of the release storage last used.
upgradeFailures int fmt:int64 | Failed upgrades since the last success.
"""

SPECS["Bucket"] = """
bucketName str ! | The bucket name.
certSecretRef obj @name | A Secret with TLS certificates (ca.crt, tls.crt, tls.key).
endpoint str ! | The object storage address, without scheme.
ignore str | Extra .sourceignore patterns.
insecure bool | Use plain HTTP.
interval str ! ~duration | How often the bucket is checked for changes.
prefix str | Only objects with this key prefix are downloaded.
provider str =generic,aws,gcp,azure def:"generic" | The storage API: generic (S3 compatible), aws, gcp or azure.
proxySecretRef obj @name | A Secret with the proxy address and credentials.
region str | The bucket region.
secretRef obj @name | A Secret with the access keys.
serviceAccountName str | The ServiceAccount used for workload identity.
sts obj | A security token service to get temporary credentials from.
  certSecretRef obj @name | A Secret with TLS certificates for the STS endpoint.
  endpoint str ! ~/^(http|https)://.*$/ | The STS address.
  provider str ! =aws,ldap | The STS provider.
  secretRef obj @name | A Secret with the STS credentials.
suspend bool | Stop reconciling; a reconcile already started is not affected.
timeout str ~/^([0-9]+(\\.[0-9]+)?(ms|s|m))+$/ def:"60s" | Timeout of the download.
? self.provider == 'aws' || self.provider == 'generic' || !has(self.sts) :: STS configuration is only supported for the 'aws' and 'generic' Bucket providers
? self.provider != 'aws' || !has(self.sts) || self.sts.provider == 'aws' :: 'aws' is the only supported STS provider for the 'aws' Bucket provider
? self.provider != 'generic' || !has(self.sts) || self.sts.provider == 'ldap' :: 'ldap' is the only supported STS provider for the 'generic' Bucket provider
? !has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.secretRef) :: spec.sts.secretRef is not required for the 'aws' STS provider
? !has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.certSecretRef) :: spec.sts.certSecretRef is not required for the 'aws' STS provider
? self.provider != 'generic' || !has(self.serviceAccountName) :: ServiceAccountName is not supported for the 'generic' Bucket provider
? !has(self.secretRef) || !has(self.serviceAccountName) :: cannot set both .spec.secretRef and .spec.serviceAccountName
"""
STATUS["Bucket"] = """
artifact obj @artifact | The artifact of the last successful reconciliation.
observedIgnore str | The ignore patterns of the last artifact.
url str | The download address of the last artifact.
"""

SPECS["ExternalArtifact"] = """
sourceRef obj | The object that produces this artifact.
  apiVersion str | API version of the referent.
  kind str ! | Kind of the referent.
  name str ! | Name of the referent.
  namespace str | Namespace of the referent.
"""
STATUS["ExternalArtifact"] = """
artifact obj @artifact | The artifact.
conditions arr @conditions | The observations of the object's current state.
"""

_SOURCE_ALIAS = "~/^@([a-z0-9]([a-z0-9_-]*[a-z0-9])?)$/ len:-64"
SPECS["ArtifactGenerator"] = f"""
artifacts arr ! items:1-1000 | The artifacts to generate.
  copy arr ! items:1- | Copy operations, applied in order.
    exclude arr items:-100 | Glob patterns of files not copied.
      [] str
    from str ! ~/^@([a-z0-9]([a-z0-9_-]*[a-z0-9])?)/(.*)$/ len:1-1024 | @<source alias>/<glob> to copy from.
    strategy str =Overwrite,Merge,Extract | How files that exist already are handled.
    to str ! ~/^@(artifact)/(.*)$/ len:1-1024 | @artifact/<path> to copy to.
  name str ! len:1-253 | The name of the generated ExternalArtifact.
  originRevision str {_SOURCE_ALIAS} | @<source alias> whose origin revision the artifact carries.
  revision str {_SOURCE_ALIAS} | @<source alias> whose revision the artifact carries.
commonMetadata obj @common-metadata | Labels and annotations of the generated ExternalArtifacts.
pathPattern str ~/^@([a-z0-9]([a-z0-9_-]*[a-z0-9])?)/(.*)$/ len:-1024 | Generates one artifact per matching directory.
sources arr ! items:1-1000 | The sources the artifacts are composed from.
  alias str ! ~/^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/ len:-63 | The name the source is referred to by, @<alias>.
  kind str ! =Bucket,GitRepository,OCIRepository,HelmChart,ExternalArtifact | Kind of the source.
  name str ! ~/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/ len:-253 | Name of the source.
  namespace str ~dns-label len:1-63 | Namespace of the source.
? has(self.pathPattern) && size(self.pathPattern) > 0 || self.artifacts.all(a, a.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')) :: artifact names must be valid Kubernetes object names when pathPattern is not set
"""
STATUS["ArtifactGenerator"] = """
conditions arr @conditions | The observations of the object's current state.
inventory arr | The ExternalArtifacts generated.
  digest str ! | The digest of the artifact.
  filename str ! | The file name of the artifact in storage.
  name str ! | Name of the ExternalArtifact.
  namespace str ! | Namespace of the ExternalArtifact.
lastHandledReconcileAt str | The reconcile.fluxcd.io/requestedAt value the controller last handled.
observedSourcesDigest str | The digest of the sources last composed.
"""

# --- notification.toolkit.fluxcd.io -------------------------------------------------------------

_EVENT_KINDS = ("=Bucket,GitRepository,Kustomization,HelmRelease,HelmChart,HelmRepository,ImageRepository,"
                "ImagePolicy,ImageUpdateAutomation,OCIRepository,ArtifactGenerator,ExternalArtifact")
BLOCKS["event-source"] = f"""
apiVersion str | API version of the referent.
kind str ! {_EVENT_KINDS} | Kind of the referent.
matchLabels map | Labels the referents must carry (with name *).
name str ! len:1-253 | Name of the referent; * for all.
namespace str len:1-253 | Namespace of the referent; * for all.
"""

SPECS["Alert"] = """
eventMetadata map | Metadata added to every event forwarded.
eventSeverity str =info,error def:"info" | The minimum severity forwarded: info for all, error for errors only.
eventSources arr ! @event-source | The Flux objects whose events are forwarded.
exclusionList arr | Regular expressions; matching events are dropped.
  [] str
inclusionList arr | Regular expressions; only matching events are forwarded.
  [] str
providerRef obj ! @name | The Provider the events are sent to.
summary str len:-255 | A short description added to every notification (deprecated).
suspend bool | Stop forwarding events.
"""

_PROVIDER_TYPES = ("=slack,discord,msteams,rocket,generic,generic-hmac,github,gitlab,gitea,giteapullrequestcomment,"
                   "bitbucketserver,bitbucket,azuredevops,googlechat,googlepubsub,webex,sentry,azureeventhub,"
                   "telegram,lark,matrix,opsgenie,alertmanager,grafana,githubdispatch,githubpullrequestcomment,"
                   "gitlabmergerequestcomment,pagerduty,datadog,nats,zulip,otel,zoom,incident.io")
SPECS["Provider"] = f"""
address str len:-2048 | The endpoint address (webhook URL, API address).
certSecretRef obj @name | A Secret with TLS certificates for the endpoint.
channel str len:-2048 | The channel to post to, where the provider has channels.
commitStatusExpr str | A CEL expression building the commit status key (Git providers).
interval str ~duration | Unused; kept for compatibility.
proxy str ~/^(http|https)://.*$/ len:-2048 | A proxy address (deprecated, use proxySecretRef).
proxySecretRef obj @name | A Secret with the proxy address and credentials.
secretRef obj @name | A Secret with the address and/or token.
serviceAccountName str | The ServiceAccount used for workload identity.
suspend bool | Stop sending notifications.
timeout str ~/^([0-9]+(\\.[0-9]+)?(ms|s|m))+$/ | Timeout of sending a notification.
type str ! {_PROVIDER_TYPES} | The provider implementation.
username str len:-2048 | The user name shown in the notification.
? self.type == 'github' || self.type == 'gitlab' || self.type == 'gitea' || self.type == 'bitbucketserver' || self.type == 'bitbucket' || self.type == 'azuredevops' || !has(self.commitStatusExpr) :: spec.commitStatusExpr is only supported for the 'github', 'gitlab', 'gitea', 'bitbucketserver', 'bitbucket', 'azuredevops' provider types
"""

SPECS["Receiver"] = """
events arr | The event types that trigger a reconcile (provider specific).
  [] str
interval str ~duration def:"10m" | How often the webhook secret is checked.
oidcProviders arr mapkey:issuerURL | OIDC issuers whose tokens are accepted (generic-oidc).
  audience str | The expected audience.
  issuerURL str ! ~/^https?:/// | The issuer address.
  validations arr ! items:1- | CEL checks of the token claims.
    expression str ! | A CEL expression over the claims.
    message str ! | The message when the expression is false.
  variables arr | CEL variables computed from the claims.
    expression str ! | A CEL expression over the claims.
    name str ! | The variable name.
resourceFilter str | A CEL expression selecting which resources are reconciled for a request.
resources arr ! | The Flux objects reconciled when a webhook arrives.
  @event-source
  filter str | A CEL expression that must be true for the object to be reconciled.
secretRef obj @name | A Secret with the webhook token.
suspend bool | Stop handling webhooks.
type str ! =generic,generic-hmac,generic-oidc,github,gitlab,bitbucket,harbor,dockerhub,quay,gcr,nexus,acr,cdevents | The webhook sender.
? self.type != 'generic-oidc' || (has(self.oidcProviders) && size(self.oidcProviders) > 0) :: generic-oidc receivers must define at least one oidcProvider
? self.type == 'generic-oidc' || !has(self.oidcProviders) || size(self.oidcProviders) == 0 :: oidcProviders can only be set when type is generic-oidc
? self.type != 'generic-oidc' || !has(self.secretRef) :: secretRef cannot be set when type is generic-oidc
? self.type == 'generic-oidc' || has(self.secretRef) :: secretRef is required when type is not generic-oidc
"""
STATUS["Receiver"] = """
webhookPath str | The path the webhook is served at.
"""

# --- image.toolkit.fluxcd.io --------------------------------------------------------------------

BLOCKS["image-ref"] = """
digest str | The image digest.
name str ! | The image name.
tag str ! | The image tag.
"""
BLOCKS["order"] = """
order str =asc,desc def:"asc" | The sort order.
"""
BLOCKS["label-selector"] = """
matchExpressions arr atomic | Set-based requirements.
  key str ! | The label key.
  operator str ! | In, NotIn, Exists or DoesNotExist.
  values arr atomic | The values (In, NotIn).
    [] str
matchLabels map | Labels that must all match.
"""

SPECS["ImageRepository"] = """
accessFrom obj | Namespaces allowed to use this repository.
  namespaceSelectors arr ! | Selectors of the allowed namespaces.
    matchLabels map | Labels the namespace must carry.
certSecretRef obj @name | A Secret with TLS certificates (ca.crt, tls.crt, tls.key).
exclusionList arr items:-25 def:["^.*\\\\.sig$"] | Regular expressions of tags not scanned.
  [] str
image str ! | The image repository, without tag.
insecure bool | Allow plain HTTP registries.
interval str ! ~duration | How often the registry is scanned.
provider str =generic,aws,azure,gcp def:"generic" | The provider used for authentication.
proxySecretRef obj @name | A Secret with the proxy address and credentials.
secretRef obj @name | A docker-registry Secret with the registry credentials.
serviceAccountName str len:-253 | A ServiceAccount whose image pull secrets are used.
suspend bool | Stop scanning.
timeout str ~/^([0-9]+(\\.[0-9]+)?(ms|s|m))+$/ | Timeout of a scan.
"""
STATUS["ImageRepository"] = """
canonicalImageName str | The image name with the registry host.
lastScanResult obj | The last scan.
  latestTags arr | The most recent tags found.
    [] str
  revision str | A digest of the tags found.
  scanTime str fmt:date-time | When the scan ran.
  tagCount int ! | How many tags were found.
observedExclusionList arr | The exclusion list of the last scan.
  [] str
"""

SPECS["ImagePolicy"] = """
digestReflectionPolicy str =Always,IfNotPresent,Never def:"Never" | When the digest of the selected tag is looked up.
filterTags obj | A regular expression filter applied to tags before the policy.
  extract str | The replacement (capture groups) used as the value to order.
  pattern str | The regular expression tags must match.
imageRepositoryRef obj ! | The ImageRepository whose tags are evaluated.
  name str ! | Name of the referent.
  namespace str | Namespace of the referent.
interval str ~duration | How often the digest is looked up again (digestReflectionPolicy Always).
policy obj ! | The rule selecting the latest tag.
  alphabetical obj @order | Order tags alphabetically.
  numerical obj @order | Order tags numerically.
  semver obj | Select the highest version in a SemVer range.
    range str ! | The SemVer range, for example >=1.0.0.
suspend bool | Stop evaluating.
? !has(self.interval) || (has(self.digestReflectionPolicy) && self.digestReflectionPolicy == 'Always') :: spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'
? has(self.interval) || !has(self.digestReflectionPolicy) || self.digestReflectionPolicy != 'Always' :: spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'
"""
STATUS["ImagePolicy"] = """
latestRef obj @image-ref | The image selected.
observedPreviousRef obj @image-ref | The image selected before the latest one.
"""

SPECS["ImageUpdateAutomation"] = """
git obj | Git checkout, commit and push settings.
  checkout obj | The ref to check out; the GitRepository's ref when empty.
    ref obj ! | The Git reference.
      branch str | The branch to check out.
      commit str | A commit SHA to check out.
      name str | A full reference name.
      semver str | A SemVer range of tags.
      tag str | The tag to check out.
  commit obj ! | The commit settings.
    author obj ! | The commit author.
      email str ! | The author's email.
      name str | The author's name.
    messageTemplate str | A Go template for the commit message.
    messageTemplateValues map | Values available to the message template.
    signingKey obj | The key commits are signed with.
      secretRef obj ! @name | A Secret with the key.
      type str =gpg,ssh | The key type.
  push obj | Where to push; the checkout branch when empty.
    branch str | The branch to push to.
    options map | Git push options.
    refspec str | A refspec to push with.
interval str ! ~duration | How often the automation runs.
policySelector obj atomic @label-selector | Selects the ImagePolicies applied; all in the namespace when empty.
sourceRef obj ! | The GitRepository committed to.
  apiVersion str | API version of the referent.
  kind str ! =GitRepository def:"GitRepository" | Kind of the referent.
  name str ! | Name of the referent.
  namespace str | Namespace of the referent.
suspend bool | Stop running.
update obj def:{"strategy":"Setters"} | How files are updated.
  path str | The path in the repository to update; the root when empty.
  strategy str =Setters def:"Setters" | The update strategy.
"""
STATUS["ImageUpdateAutomation"] = """
lastAutomationRunTime str fmt:date-time | When the automation last ran.
lastPushCommit str | The commit last pushed.
lastPushTime str fmt:date-time | When a commit was last pushed.
observedPolicies obj | The policies applied in the last run.
  {} obj @image-ref | The image of one policy.
observedSourceRevision str | The source revision the last run started from.
"""

# --- fluxcd.controlplane.io ---------------------------------------------------------------------

BLOCKS["history"] = """
digest str ! | The digest of the applied state.
firstReconciled str ! fmt:date-time | When this state was first reconciled.
lastReconciled str ! fmt:date-time | When this state was last reconciled.
lastReconciledDuration str ! | How long the last reconciliation took.
lastReconciledStatus str ! | The outcome of the last reconciliation.
metadata map | Data of the reconciled state.
totalReconciliations int ! fmt:int64 | How many times this state was reconciled.
"""

SPECS["FluxInstance"] = """
cluster obj | The cluster the distribution is installed on.
  domain str def:"cluster.local" | The cluster DNS domain.
  multitenant bool def:false | Lock Flux down for multi-tenancy.
  multitenantWorkloadIdentity bool def:false | Tenants use workload identity of their own.
  networkPolicy bool def:true | Restrict network access to the Flux namespace.
  objectLevelWorkloadIdentity bool | Allow workload identity per Flux object.
  size str =small,medium,large | Vertical scaling profile of the controllers.
  tenantDefaultDecryptionServiceAccount str | The default ServiceAccount for SOPS decryption of tenants.
  tenantDefaultKubeConfigServiceAccount str | The default ServiceAccount for remote clusters of tenants.
  tenantDefaultServiceAccount str | The default ServiceAccount of tenants.
  type str =kubernetes,openshift,aws,azure,gcp def:"kubernetes" | The cluster platform.
  ? (has(self.objectLevelWorkloadIdentity) && self.objectLevelWorkloadIdentity) || !has(self.multitenantWorkloadIdentity) || !self.multitenantWorkloadIdentity :: .objectLevelWorkloadIdentity must be set to true when .multitenantWorkloadIdentity is set to true
commonMetadata obj @common-metadata | Labels and annotations of every object installed.
components arr | The Flux controllers to install; all of the distribution when empty.
  [] str =source-controller,kustomize-controller,helm-controller,notification-controller,image-reflector-controller,image-automation-controller,source-watcher
distribution obj ! | The Flux distribution to install.
  artifact str ~oci-url | The OCI artifact with the Flux manifests.
  artifactPullSecret str | A Secret to pull the manifests artifact with.
  imagePullSecret str | A Secret to pull the controller images with.
  registry str ! | The container registry of the controller images.
  variant str =upstream-alpine,enterprise-alpine,enterprise-distroless,enterprise-distroless-fips | The image variant.
  version str ! | A SemVer version or range of Flux, for example 2.x.
kustomize obj | Kustomize patches applied to the Flux manifests.
  patches arr @patches | Strategic merge and JSON6902 patches.
migrateResources bool def:true | Migrate the stored Flux objects to the latest API versions.
sharding obj | Controller sharding.
  key str def:"sharding.fluxcd.io/key" | The label key shards select on.
  shards arr ! items:1- | The shard names.
    [] str
  storage str =ephemeral,persistent | The artifact storage of the source-controller shards.
storage obj | Persistent storage of the source-controller.
  class str ! | The StorageClass.
  size str ! | The volume size.
sync obj | The cluster sync source and Kustomization created by the operator.
  interval str ~duration def:"1m" | How often the sync source is checked.
  kind str ! =OCIRepository,GitRepository,Bucket | The source kind.
  name str len:-63 | The name of the sync objects; the namespace when empty.
    ? self == oldSelf :: Sync name is immutable
  path str ! | The path inside the source.
  provider str =generic,aws,azure,gcp,github | The provider used for authentication.
  pullSecret str | A Secret with the source credentials.
  ref str ! | The source reference (branch, tag, semver).
  url str ! | The source address.
  ? !has(self.provider) || self.provider != 'gcp' || self.kind == 'OCIRepository' || self.kind == 'Bucket' :: sync.provider 'gcp' is only supported for OCIRepository and Bucket
  ? !has(self.provider) || self.provider != 'github' || self.kind == 'GitRepository' :: sync.provider 'github' is only supported for GitRepository
wait bool def:true | Wait for the controllers to be ready.
? !has(self.sharding) || !has(self.sharding.storage) || self.sharding.storage != 'persistent' || has(self.storage) :: .spec.storage must be set when .spec.sharding.storage is 'persistent'
"""
STATUS["FluxInstance"] = """
components arr | The installed controller images.
  digest str | The image digest.
  name str ! | The controller name.
  repository str ! | The image repository.
  tag str ! | The image tag.
conditions arr @conditions | The observations of the object's current state.
history arr @history | The latest reconciliations, newest first.
inventory obj @inventory | The objects installed.
lastAppliedRevision str | The distribution revision last applied.
lastArtifactRevision str | The manifests artifact revision last applied.
lastAttemptedRevision str | The distribution revision last attempted.
lastHandledForceAt str | The reconcile.fluxcd.io/forceAt value last handled.
lastHandledReconcileAt str | The reconcile.fluxcd.io/requestedAt value last handled.
"""
RULES["FluxInstance"] = "? self.metadata.name == 'flux' :: the only accepted name for a FluxInstance is 'flux'"

SPECS["FluxReport"] = """
cluster obj | The cluster: Kubernetes version, platform and node count.
  nodes int | The number of nodes.
  platform str ! | The OS and architecture of the API server.
  serverVersion str ! | The Kubernetes version.
components arr | The Flux controllers found.
  image str ! | The controller image.
  name str ! | The controller name.
  ready bool ! | Whether the controller is ready.
  status str ! | The controller status.
distribution obj ! | The installed Flux distribution.
  entitlement str ! | The entitlement of the distribution.
  managedBy str | What installed the distribution.
  status str ! | The status of the distribution.
  version str | The Flux version.
operator obj | The flux-operator.
  apiVersion str ! | The API version of the operator.
  platform str ! | The OS and architecture of the operator.
  version str ! | The operator version.
reconcilers arr | Per kind statistics of the Flux objects.
  apiVersion str ! | The API version of the kind.
  kind str ! | The kind.
  stats obj | How many objects are running, failing and suspended.
    failing int ! | Objects not ready.
    running int ! | Objects ready.
    suspended int ! | Objects suspended.
    totalSize str | The total size of the artifacts of the kind.
sync obj | The cluster sync.
  id str ! | The id of the sync objects.
  path str | The path inside the source.
  ready bool ! | Whether the sync is ready.
  source str | The source address.
  status str ! | The sync status.
"""
STATUS["FluxReport"] = """
conditions arr @conditions | The observations of the object's current state.
lastHandledReconcileAt str | The reconcile.fluxcd.io/requestedAt value last handled.
"""
RULES["FluxReport"] = "? self.metadata.name == 'flux' :: the only accepted name for a FluxReport is 'flux'"

SPECS["ResourceSet"] = """
commonMetadata obj @common-metadata | Labels and annotations of every object generated.
dependsOn arr | Objects that must be ready (or exist) before the resources are applied.
  apiVersion str ! | API version of the dependency.
  kind str ! | Kind of the dependency.
  name str ! | Name of the dependency.
  namespace str | Namespace of the dependency.
  ready bool | Wait for the dependency to be ready, not only to exist.
  readyExpr str | A CEL expression deciding readiness.
inputStrategy obj | How the inputs of several providers are combined.
  includeEmptyProviders bool | Permute also over providers without inputs.
  name str ! =Flatten,Permute | Flatten takes each input, Permute every combination.
  ? !has(self.includeEmptyProviders) || self.name == 'Permute' :: includeEmptyProviders only applies when name is Permute
inputs arr | Static inputs, each a map of values for the templates.
  [] obj
    {} any
inputsFrom arr | ResourceSetInputProviders to take inputs from.
  [] obj
    apiVersion str =fluxcd.controlplane.io/v1 | API version of the provider.
    kind str =ResourceSetInputProvider | Kind of the provider.
    name str | Name of the provider.
    selector obj atomic @label-selector | Selects providers by label.
    ? has(self.name) || has(self.selector) :: at least one of name or selector must be set for input provider references
    ? !has(self.name) || !has(self.selector) :: cannot set both name and selector for input provider references
resources arr | Kubernetes object templates rendered for each input.
  [] obj open
resourcesTemplate str | A multi-document YAML template rendered for each input.
serviceAccountName str | The ServiceAccount impersonated when applying.
steps arr items:1-20 | Ordered groups of resources, each applied and waited for before the next.
  [] obj
    name str ! ~dns-label len:-63 | The step name.
    resources arr | Object templates of the step.
      [] obj open
    resourcesTemplate str | A multi-document YAML template of the step.
    timeout str ~duration | How long the step's resources are waited for.
    ? has(self.resources) || has(self.resourcesTemplate) :: at least one of resources or resourcesTemplate must be set
  ? self.all(s, self.exists_one(t, t.name == s.name)) :: step names must be unique
wait bool | Wait for the applied objects to become ready.
? !has(self.steps) || (!has(self.resources) && !has(self.resourcesTemplate)) :: steps is mutually exclusive with resources and resourcesTemplate
? has(self.steps) || has(self.resources) || has(self.resourcesTemplate) :: at least one of steps, resources or resourcesTemplate must be set
"""
STATUS["ResourceSet"] = """
conditions arr @conditions | The observations of the object's current state.
externalChecksumRefs arr | References whose content is part of the checksum.
  [] str
history arr @history | The latest reconciliations, newest first.
inventory obj @inventory | The objects applied by the last successful reconciliation.
lastAppliedRevision str | The checksum of the inputs last applied.
lastHandledReconcileAt str | The reconcile.fluxcd.io/requestedAt value last handled.
"""

_RSIP_TYPES = ("=Static,GitHubBranch,GitHubTag,GitHubPullRequest,GitLabBranch,GitLabTag,GitLabMergeRequest,"
               "GitLabEnvironment,AzureDevOpsBranch,AzureDevOpsTag,AzureDevOpsPullRequest,AWSCodeCommitBranch,"
               "AWSCodeCommitTag,AWSCodeCommitPullRequest,GiteaBranch,GiteaTag,GiteaPullRequest,OCIArtifactTag,"
               "ACRArtifactTag,ECRArtifactTag,GARArtifactTag,ExternalService,ExternalArtifact")
BLOCKS["schedule"] = """
cron str ! | A cron expression.
timeZone str def:"UTC" | The time zone of the cron expression.
window str ~duration def:"0s" | How long after each cron time inputs may be refreshed.
"""
SPECS["ResourceSetInputProvider"] = f"""
certSecretRef obj @name | A Secret with TLS certificates for the input source.
defaultValues obj | Values added to every exported input.
  {{}} any
filter obj | Filters on the exported inputs.
  excludeBranch str | A regular expression of branches to leave out.
  excludeEnvironment str | A regular expression of environments to leave out.
  excludeTag str | A regular expression of tags to leave out.
  includeBranch str | A regular expression of branches to include.
  includeEnvironment str | A regular expression of environments to include.
  includeTag str | A regular expression of tags to include.
  labels arr | Labels pull requests must carry.
    [] str
  limit int max:10000 def:100 | The maximum number of inputs exported.
  semver str | A SemVer range tags must match.
insecure bool | Allow plain HTTP (ExternalService, OCIArtifactTag).
schedule arr @schedule | Cron schedules restricting when inputs are refreshed.
secretRef obj @name | A Secret with the credentials for the input source.
selectors arr | ExternalArtifacts to take inputs from (type ExternalArtifact).
  [] obj atomic
    @label-selector
    name str | Name of the ExternalArtifact.
    namespace str | Namespace of the ExternalArtifact.
    ? !has(self.name) || (!has(self.matchLabels) && !has(self.matchExpressions)) :: name is mutually exclusive with matchLabels and matchExpressions
serviceAccountName str | The ServiceAccount used for workload identity.
skip obj | When to skip the refresh of inputs.
  labels arr | Labels that stop the inputs of a pull request from being exported.
    [] str
type str ! {_RSIP_TYPES} | The input source.
url str ~/^((http|https|oci)://.*){{0,1}}$/ | The address of the repository or service the inputs come from.
? self.type != 'Static' || !has(self.url) :: spec.url must be empty when spec.type is 'Static'
? self.type != 'ExternalArtifact' || !has(self.url) :: spec.url must be empty when spec.type is 'ExternalArtifact'
? self.type == 'Static' || self.type == 'ExternalArtifact' || has(self.url) :: spec.url must not be empty when spec.type is not 'Static' or 'ExternalArtifact'
? !self.type.startsWith('Git') || self.url.startsWith('http') :: spec.url must start with 'http://' or 'https://' when spec.type is a Git provider
? !self.type.startsWith('AzureDevOps') || self.url.startsWith('http://') || self.url.startsWith('https://') :: spec.url must start with 'http://' or 'https://' when spec.type is an AzureDevOps provider
? !self.type.startsWith('AWSCodeCommit') || self.url.startsWith('https://') :: spec.url must start with 'https://' when spec.type is a AWSCodeCommit provider
? !self.type.endsWith('ArtifactTag') || self.url.startsWith('oci') :: spec.url must start with 'oci://' when spec.type is an OCI provider
? !self.type.endsWith('ArtifactTag') || !self.url.startsWith('oci://') || self.url.substring(6).contains('/') :: spec.url must include the repository path after the registry host when spec.type is an OCI provider
? self.type != 'ExternalService' || self.url.startsWith('http') :: spec.url must start with 'http://' or 'https://' when spec.type is 'ExternalService'
? !has(self.insecure) || !self.insecure || self.type == 'ExternalService' || self.type == 'OCIArtifactTag' :: spec.insecure can only be set when spec.type is 'ExternalService' or 'OCIArtifactTag'
? self.type != 'ExternalService' || !self.url.startsWith('http://') || (has(self.insecure) && self.insecure) :: spec.url must use 'https://' unless spec.insecure is true
? !has(self.serviceAccountName) || self.type.startsWith('AzureDevOps') || self.type.startsWith('AWSCodeCommit') || self.type.endsWith('ArtifactTag') || self.type == 'ExternalArtifact' :: cannot specify spec.serviceAccountName when spec.type is not one of AzureDevOps*, AWSCodeCommit*, *ArtifactTag or ExternalArtifact
? !has(self.certSecretRef) || !(self.type == 'Static' || self.type == 'ExternalArtifact' || self.type.startsWith('AzureDevOps') || self.type.startsWith('AWSCodeCommit') || (self.type.endsWith('ArtifactTag') && self.type != 'OCIArtifactTag')) :: cannot specify spec.certSecretRef when spec.type is one of Static, ExternalArtifact, AzureDevOps*, AWSCodeCommit*, ACRArtifactTag, ECRArtifactTag or GARArtifactTag
? !has(self.secretRef) || !(self.type == 'Static' || self.type == 'ExternalArtifact' || self.type.startsWith('AWSCodeCommit') || (self.type.endsWith('ArtifactTag') && self.type != 'OCIArtifactTag')) :: cannot specify spec.secretRef when spec.type is one of Static, ExternalArtifact, AWSCodeCommit*, ACRArtifactTag, ECRArtifactTag or GARArtifactTag
? self.type != 'ExternalArtifact' || (has(self.selectors) && size(self.selectors) > 0) :: spec.selectors must be set when spec.type is 'ExternalArtifact'
? self.type == 'ExternalArtifact' || !has(self.selectors) :: spec.selectors must not be set when spec.type is not 'ExternalArtifact'
"""
STATUS["ResourceSetInputProvider"] = """
conditions arr @conditions | The observations of the object's current state.
exportedInputs arr | The inputs exported to ResourceSets.
  [] obj
    {} any
lastExportedRevision str | A digest of the inputs last exported.
lastHandledForceAt str | The reconcile.fluxcd.io/forceAt value last handled.
lastHandledReconcileAt str | The reconcile.fluxcd.io/requestedAt value last handled.
nextSchedule obj @schedule | The next time inputs may be refreshed.
  when str ! fmt:date-time | When the next window opens.
"""

STATUS_COMMON = frozenset({"GitRepository", "OCIRepository", "HelmRepository", "HelmChart", "Bucket",
                           "Kustomization", "HelmRelease", "Receiver", "ImageRepository", "ImagePolicy",
                           "ImageUpdateAutomation"})
"""Kinds whose status has conditions, observedGeneration (defaulted to -1) and lastHandledReconcileAt."""
