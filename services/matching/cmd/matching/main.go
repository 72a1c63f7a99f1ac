// Command matching runs the matching service alone. See docs/ARCHITECTURE.md.
package main

import (
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/matching/service"
)

func main() { servicehost.Main(service.Service) }
