// deploy-check validates the deployment files offline, as CI has no cluster and no Docker:
//
//	deploy-check k8s <rendered.yaml>...   every manifest decoded strictly into its Kubernetes API type (an unknown or
//	                                      duplicate field is an error), plus the chart's own rules (probes,
//	                                      resources, a locked-down security context)
//	deploy-check compose <compose.yaml>   the file loaded and validated by compose-go, the Compose Specification's
//	                                      reference implementation (its JSON Schema and its semantic checks)
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: deploy-check k8s <file>... | deploy-check compose <file>")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "k8s":
		err = checkManifests(os.Args[2:])
	case "compose":
		err = checkCompose(os.Args[2])
	default:
		err = fmt.Errorf("unknown check %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "deploy-check:", err)
		os.Exit(1)
	}
}
