// Package netns creates Linux network namespaces and runs code inside
// them. The router's raw-Ethernet links and the gateway's TUN device are
// tested in namespaces of their own, so the tests never touch the host's
// interfaces.
//
// A socket or device keeps the namespace it was made in, so code run by
// Do can open one inside a namespace and use it from anywhere afterwards.
// Creating a namespace needs root and the ip command (Debian package
// iproute2).
package netns
