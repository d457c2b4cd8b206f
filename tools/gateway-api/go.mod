// Pins the Gateway API release whose CRD manifests (config/crd/standard) the test
// control plane installs for @weft/progressive's HTTPRoute router and for Flagger.
// Nothing is built: build.sh downloads the module and copies the manifests.
module weft.dev/tools/gateway-api

go 1.26.0

require sigs.k8s.io/gateway-api v1.6.3
