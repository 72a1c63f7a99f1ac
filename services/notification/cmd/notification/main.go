// Command notification runs the notification service alone. See docs/ARCHITECTURE.md. Its
// settings are read by service.LoadConfig (and servicehost.LoadConfig for those every process
// shares).
package main

import (
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/notification/service"
)

func main() { servicehost.Main(service.Service) }
