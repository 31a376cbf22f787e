/**
 * What the simulated ZCU102 prints, in the formats of a PetaLinux 2022.2 board: the U-Boot banner,
 * kernel log, login banner, and the answers of `uname`, `cat /proc/cpuinfo` and `ip addr`.
 */

export const KERNEL_RELEASE = '5.15.36-xilinx-v2022.2';
export const DEVICE_TREE_MODEL = 'ZynqMP ZCU102 RevB (SPViT Studio simulator)';

export function ubootBanner(): string[] {
  return [
    '',
    'U-Boot SPL 2022.01 (Oct 03 2022 - 07:50:07 +0000)',
    'PMUFW:\tv1.1',
    'Loading new PMUFW cfg obj (2024 bytes)',
    'Silicon version:\t3',
    'EL Level:\tEL3',
    'Chip ID:\tzu9eg',
    'Multiboot:\t0',
    'Trying to boot from MMC2',
    'NOTICE:  BL31: v2.6(release):xlnx_rebase_v2.6_2022.1',
    '',
    'U-Boot 2022.01 (Oct 03 2022 - 07:50:07 +0000)',
    '',
    'CPU:   ZynqMP',
    'Silicon: v3',
    'Board: Xilinx ZynqMP',
    'DRAM:  4 GiB',
    'PMUFW:\tv1.1',
    'EL Level:\tEL2',
    'Chip ID:\tzu9eg',
    'NAND:  0 MiB',
    'MMC:   mmc@ff170000: 0',
    'In:    serial',
    'Out:   serial',
    'Err:   serial',
    'Bootmode: LVL_SHFT_SD_MODE1',
    'Reset reason:\tEXTERNAL',
    'Net:   PHY reset timed out',
    'eth0: ethernet@ff0e0000',
  ];
}

export function kernelLog(hostname: string): string[] {
  return [
    'switch to partitions #0, OK',
    'mmc0 is current device',
    'Scanning mmc 0:1...',
    'Found U-Boot script /boot.scr',
    '## Loading kernel from FIT Image at 10000000 ...',
    '## Flattened Device Tree blob at 10000000',
    'Starting kernel ...',
    '',
    '[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd034]',
    `[    0.000000] Linux version ${KERNEL_RELEASE} (oe-user@oe-host) (aarch64-xilinx-linux-gcc (GCC) 11.2.0) #1 SMP Mon Oct 3 07:50:07 UTC 2022`,
    '[    0.000000] Machine model: ZynqMP ZCU102 RevB',
    '[    0.000000] earlycon: cdns0 at MMIO 0x00000000ff000000 (options \'115200n8\')',
    '[    0.000000] Zone ranges:',
    '[    0.000000]   DMA32    [mem 0x0000000000000000-0x00000000ffffffff]',
    '[    0.000000] psci: PSCIv1.1 detected in firmware.',
    '[    0.000000] Kernel command line: earlycon console=ttyPS0,115200 clk_ignore_unused root=/dev/mmcblk0p2 rw rootwait',
    '[    0.023561] smp: Brought up 1 node, 4 CPUs',
    '[    1.102834] ff000000.serial: ttyPS0 at MMIO 0xff000000 (irq = 67, base_baud = 6249999) is a xuartps',
    '[    1.112262] printk: console [ttyPS0] enabled',
    '[    2.467201] macb ff0e0000.ethernet eth0: Cadence GEM rev 0x50070106 at 0xff0e0000 irq 47',
    '[    3.108244] mmc0: new high speed SDHC card at address aaaa',
    '[    3.221093] EXT4-fs (mmcblk0p2): mounted filesystem with ordered data mode. Opts: (null)',
    '[    3.502819] Run /sbin/init as init process',
    'INIT: version 3.01 booting',
    'Starting udev',
    '[    5.123456] zocl-drm axi:zyxclmm_drm: IRQ index 32 not found',
    'Configuring network interfaces... udhcpc: started, v1.35.0',
    'udhcpc: broadcasting discover',
    'udhcpc: lease of 127.0.0.1 obtained, lease time 86400',
    'Starting Dropbear SSH server: dropbear.',
    'INIT: Entering runlevel: 5',
    '[    9.874512] macb ff0e0000.ethernet eth0: link up (1000/Full)',
    '',
    `PetaLinux 2022.2_release_S10071807 ${hostname} ttyPS0`,
    '',
  ];
}

export function unameText(hostname: string, flag: string | undefined): string {
  switch (flag) {
    case '-r':
      return KERNEL_RELEASE;
    case '-m':
      return 'aarch64';
    case '-n':
      return hostname;
    case '-a':
      return `Linux ${hostname} ${KERNEL_RELEASE} #1 SMP Mon Oct 3 07:50:07 UTC 2022 aarch64 GNU/Linux`;
    default:
      return 'Linux';
  }
}

export function cpuinfoText(): string {
  const core = (index: number): string[] => [
    `processor\t: ${index}`,
    'BogoMIPS\t: 200.00',
    'Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid',
    'CPU implementer\t: 0x41',
    'CPU architecture: 8',
    'CPU variant\t: 0x0',
    'CPU part\t: 0xd03',
    'CPU revision\t: 4',
    '',
  ];
  return [0, 1, 2, 3].flatMap(core).join('\n');
}

export function ipAddrText(device: string, address: string): string {
  return [
    `2: ${device}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000`,
    `    inet ${address}/8 brd 127.255.255.255 scope global ${device}`,
    '       valid_lft forever preferred_lft forever',
  ].join('\n');
}
