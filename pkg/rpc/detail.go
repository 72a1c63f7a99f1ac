package rpc

import "google.golang.org/protobuf/protoadapt"

type protoDetail = protoadapt.MessageV1
