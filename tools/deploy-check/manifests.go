package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// serviceMonitor is the part of the Prometheus Operator's CRD the chart renders (no Go types of it are vendored).
type serviceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
	} `json:"spec"`
}

func typed(apiVersion, kind string) (any, error) {
	switch apiVersion + "/" + kind {
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}, nil
	case "v1/Service":
		return &corev1.Service{}, nil
	case "v1/ServiceAccount":
		return &corev1.ServiceAccount{}, nil
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}, nil
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, nil
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, nil
	case "networking.k8s.io/v1/NetworkPolicy":
		return &networkingv1.NetworkPolicy{}, nil
	case "networking.k8s.io/v1/Ingress":
		return &networkingv1.Ingress{}, nil
	case "monitoring.coreos.com/v1/ServiceMonitor":
		return &serviceMonitor{}, nil
	}
	return nil, fmt.Errorf("no API type known for %s %s", apiVersion, kind)
}

func checkManifests(files []string) error {
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		counts := map[string]int{}
		reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
		for {
			doc, err := reader.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			if len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue
			}
			var meta metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			object, err := typed(meta.APIVersion, meta.Kind)
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			if err := yaml.UnmarshalStrict(doc, object); err != nil {
				return fmt.Errorf("%s: %s: %w", file, meta.Kind, err)
			}
			if err := rules(object); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			counts[meta.Kind]++
		}
		if counts["Deployment"] == 0 {
			return fmt.Errorf("%s: no Deployment rendered", file)
		}
		fmt.Printf("%s: valid %v\n", file, counts)
	}
	return nil
}

// rules the chart keeps for every workload, beyond what the API types say.
func rules(object any) error {
	deployment, ok := object.(*appsv1.Deployment)
	if !ok {
		return nil
	}
	name := deployment.Name
	pod := deployment.Spec.Template
	for key, value := range deployment.Spec.Selector.MatchLabels {
		if pod.Labels[key] != value {
			return fmt.Errorf("deployment %s: its selector %s=%s does not match its pods", name, key, value)
		}
	}
	security := pod.Spec.SecurityContext
	if security == nil || security.RunAsNonRoot == nil || !*security.RunAsNonRoot {
		return fmt.Errorf("deployment %s: pods must run as non-root", name)
	}
	if security.SeccompProfile == nil || security.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		return fmt.Errorf("deployment %s: pods need the RuntimeDefault seccomp profile", name)
	}
	for _, container := range pod.Spec.Containers {
		where := fmt.Sprintf("deployment %s, container %s", name, container.Name)
		if container.LivenessProbe == nil || container.ReadinessProbe == nil || container.StartupProbe == nil {
			return fmt.Errorf("%s: needs liveness, readiness and startup probes", where)
		}
		if container.Resources.Requests.Cpu().IsZero() || container.Resources.Requests.Memory().IsZero() {
			return fmt.Errorf("%s: needs cpu and memory requests", where)
		}
		sc := container.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			return fmt.Errorf("%s: needs a read-only root filesystem and no privilege escalation", where)
		}
		if sc.Privileged != nil && *sc.Privileged {
			return fmt.Errorf("%s: must not be privileged", where)
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, corev1.Capability("ALL")) {
			return fmt.Errorf("%s: must drop all capabilities", where)
		}
		for _, env := range container.EnvFrom {
			if env.SecretRef == nil {
				continue
			}
			if strings.TrimSpace(env.SecretRef.Name) == "" {
				return fmt.Errorf("%s: a secretRef without a name", where)
			}
		}
	}
	return nil
}

func stripComments(doc []byte) []byte {
	var out bytes.Buffer
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out.Write(line)
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}
