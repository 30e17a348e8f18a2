package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: gateway, labels: { app: gateway } }
spec:
  selector: { matchLabels: { app: gateway } }
  template:
    metadata: { labels: { app: gateway } }
    spec:
      securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: gateway
          image: identity-platform:1
          startupProbe: { httpGet: { path: /health/ready, port: 8080 } }
          readinessProbe: { httpGet: { path: /health/ready, port: 8080 } }
          livenessProbe: { httpGet: { path: /health/live, port: 8080 } }
          resources: { requests: { cpu: 100m, memory: 128Mi } }
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
`

func check(t *testing.T, manifest string) error {
	t.Helper()
	file := filepath.Join(t.TempDir(), "rendered.yaml")
	if err := os.WriteFile(file, []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	return checkManifests([]string{file})
}

func TestAcceptsAWellFormedDeployment(t *testing.T) {
	if err := check(t, "# a comment only\n---\n"+deployment); err != nil {
		t.Fatalf("expected valid, got %v", err)
	}
}

func TestRefuses(t *testing.T) {
	cases := map[string]struct{ manifest, want string }{
		"an unknown field":        {strings.Replace(deployment, "readinessProbe:", "readinessProbes:", 1), `unknown field "readinessProbes"`},
		"a duplicate key":         {strings.Replace(deployment, "labels: { app: gateway } }\n    spec", "labels: { app: gateway, app: x } }\n    spec", 1), "already set"},
		"a kind it cannot type":   {"apiVersion: v1\nkind: Pod\nmetadata: { name: x }\n", "no API type known for v1 Pod"},
		"a missing probe":         {strings.Replace(deployment, "          startupProbe: { httpGet: { path: /health/ready, port: 8080 } }\n", "", 1), "probes"},
		"root allowed":            {strings.Replace(deployment, "runAsNonRoot: true", "runAsNonRoot: false", 1), "non-root"},
		"a writable root":         {strings.Replace(deployment, "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", 1), "read-only root"},
		"capabilities kept":       {strings.Replace(deployment, "capabilities: { drop: [ALL] }", "capabilities: { drop: [NET_RAW] }", 1), "drop all capabilities"},
		"privileged":              {strings.Replace(deployment, "capabilities: { drop: [ALL] }", "capabilities: { drop: [ALL] }, privileged: true", 1), "privileged"},
		"no requests":             {strings.Replace(deployment, "requests: { cpu: 100m, memory: 128Mi }", "limits: { memory: 128Mi }", 1), "requests"},
		"a selector off its pods": {strings.Replace(deployment, "selector: { matchLabels: { app: gateway } }", "selector: { matchLabels: { app: other } }", 1), "does not match"},
		"no workload at all":      {"apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n", "no Deployment"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := check(t, c.manifest)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("expected an error containing %q, got %v", c.want, err)
			}
		})
	}
}
