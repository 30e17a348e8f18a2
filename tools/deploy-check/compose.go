package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

func checkCompose(file string) error {
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	project, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  filepath.Dir(abs),
		ConfigFiles: []types.ConfigFile{{Filename: abs}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("identity-platform", true) })
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	for name, service := range project.Services {
		if service.HealthCheck == nil || service.HealthCheck.Disable {
			return fmt.Errorf("%s: service %s has no health check", file, name)
		}
		for dependency, condition := range service.DependsOn {
			if condition.Condition != types.ServiceConditionHealthy {
				return fmt.Errorf("%s: %s waits for %s to be %q, not healthy", file, name, dependency, condition.Condition)
			}
		}
	}
	fmt.Printf("%s: %d services, valid\n", file, len(project.Services))
	return nil
}
