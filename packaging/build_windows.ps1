<#
.SYNOPSIS
  Build Denoise Desktop for Windows x64 (CPU torch): one-folder bundle, smoke test, installer.

.DESCRIPTION
  UNTESTED RECIPE: written and reviewed without a Windows machine (the project's build machines
  run Linux; packaging/build_linux.sh is the tested path). It mirrors build_linux.sh step by
  step; expect to fix small things on first use and please update this header when it works.

  Run from any folder in PowerShell 5.1+ with Python 3.10-3.12 x64 on PATH (py launcher):
    powershell -ExecutionPolicy Bypass -File packaging\build_windows.ps1 [-Portable] [-NoSmoke] [-NoInstaller]

  Output:
    dist\DenoiseDesktop\                               one-folder bundle (DenoiseDesktop.exe)
    dist\DenoiseDesktop-<v>-windows-x64-setup.exe      Inno Setup installer (needs iscc.exe,
                                                       Inno Setup 6, on PATH or default place)
    dist\DenoiseDesktop-<v>-windows-x64.exe            with -Portable: a single self-unpacking exe
  The executable is a console program whose console is hidden at start when opened by a
  double-click (PyInstaller hide_console="hide-early"): stdout must work because the GUI starts
  "DenoiseDesktop.exe train ..." as its training child and reads JSON lines from it.
#>
param(
    [switch]$Portable,
    [switch]$NoSmoke,
    [switch]$NoInstaller,
    [string]$Python = "py",
    [string[]]$PythonArgs = @("-3.11"),
    [string]$TorchVersion = "2.13.0",
    [string]$TorchIndex = "https://download.pytorch.org/whl/cpu"
)
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

function Invoke-Checked {
    param([string]$Exe, [string[]]$Arguments)
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "failed ($LASTEXITCODE): $Exe $($Arguments -join ' ')" }
}

$Version = (& $Python @PythonArgs packaging\project_meta.py version).Trim()
$App = (& $Python @PythonArgs packaging\project_meta.py app_name).Trim()
Write-Host "== building $App $Version for windows-x64"

# 1. isolated build venv: only runtime dependencies + PyInstaller, the project non-editable
$Venv = "build\pkgvenv"
if (-not (Test-Path "$Venv\Scripts\python.exe")) {
    Invoke-Checked $Python ($PythonArgs + @("-m", "venv", $Venv))
}
$VPy = Join-Path $Root "$Venv\Scripts\python.exe"
Invoke-Checked $VPy @("-m", "pip", "install", "--upgrade", "pip")
# CPU wheel from PyTorch's CPU index: never a CUDA build in this bundle.
Invoke-Checked $VPy @("-m", "pip", "install", "--index-url", $TorchIndex,
    "--extra-index-url", "https://pypi.org/simple", "torch==$TorchVersion")
Invoke-Checked $VPy @("-c", "import sys, torch; sys.exit(torch.version.cuda is not None)")
Invoke-Checked $VPy @("-m", "pip", "install", ".[package]")
Invoke-Checked $VPy @("-m", "pip", "install", "--force-reinstall", "--no-deps", ".")

# 2. PyInstaller
$SpecArgs = @()
if ($Portable) { $SpecArgs = @("--", "--portable") }
Invoke-Checked $VPy (@("-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
    "--distpath", "dist", "--workpath", "build\pyinstaller", "packaging\denoise_desktop.spec") + $SpecArgs)
if ($Portable) {
    $Target = "dist\$App-$Version-windows-x64.exe"
    Move-Item -Force "dist\$App.exe" $Target
} else {
    $Target = "dist\$App"
}

# 3. smoke test (the GUI check runs with QT_QPA_PLATFORM=offscreen: no window pops up)
if (-not $NoSmoke) {
    Invoke-Checked $VPy @("packaging\smoke_test.py", $Target, "--json", "build\smoke.json")
}

# 4. installer
if (-not $Portable -and -not $NoInstaller) {
    $Iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
    if (-not $Iscc) { $Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
    if (-not (Test-Path $Iscc)) { throw "Inno Setup 6 (ISCC.exe) not found; install it or pass -NoInstaller" }
    $IssArgs = @("/DAppVersion=$Version")
    $Ico = Join-Path $Root "resources\icons\app.ico"
    if (Test-Path $Ico) { $IssArgs += "/DAppIcon=$Ico" }
    Invoke-Checked $Iscc ($IssArgs + @("packaging\windows\installer.iss"))
}
Write-Host "== done: $Target"
