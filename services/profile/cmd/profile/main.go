// Command profile runs the profile service alone. See docs/ARCHITECTURE.md.
package main

import (
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/profile/service"
)

func main() {
	servicehost.Main(servicehost.Service[service.Config]{
		Name:       service.Name,
		LoadConfig: service.LoadConfig,
		ListenAddr: service.Config.ListenAddr,
		Run:        service.Run,
	})
}
