// Package trace reads recorded CPU-utilization traces for trace-driven
// VMs: the PlanetLab format that CloudSim ships (a directory per day, one
// file per VM, one integer percentage per 5-minute line; Beloglazov &
// Buyya, CCPE 2012) and a generic CSV format (vm, cpu_percent, and an
// interval index or a time in seconds) for other public traces. Readers
// check every value and report the file and line of the first bad one;
// they never panic and bound what they allocate.
//
// The 2011-03-03 PlanetLab day (1052 VMs) ships in the repository under
// scenarios/data/planetlab/, with the order of the Java reference run and
// its attribution; the other days are read by path.
package trace
