// Command profile runs the profile service alone. See docs/ARCHITECTURE.md.
package main

import (
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/profile/service"
)

func main() { servicehost.Main(service.Service) }
