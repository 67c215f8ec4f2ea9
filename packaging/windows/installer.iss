; Inno Setup 6 script for Denoise Desktop (per-user or all-users install of the one-folder build).
; UNTESTED RECIPE: written without a Windows machine; packaging/build_windows.ps1 drives it as
;   iscc /DAppVersion=<version> [/DAppIcon=<abs path to app.ico>] packaging\windows\installer.iss
; after PyInstaller has produced dist\DenoiseDesktop\. Relative paths below are relative to this
; file (Inno Setup's SourceDir).
;
; The uninstaller removes the program folder only. Models the user imported or trained, runs
; and settings live in %LOCALAPPDATA%\DenoiseDesktop (denoise_desktop.paths.user_dir) and are
; kept on purpose; the app never writes into {app}.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=x.y.z installer.iss (build_windows.ps1 does)
#endif
#define AppName "Denoise Desktop"
#define AppFolder "DenoiseDesktop"
#define AppExe "DenoiseDesktop.exe"

[Setup]
; AppId identifies the product for upgrades and uninstall: never change it.
AppId={{02B2F03C-4B6A-422B-8A21-714EC2DB195F}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Denoise Desktop contributors
DefaultDirName={autopf}\{#AppFolder}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Installs for the current user without admin rights unless the user picks "all users".
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename={#AppFolder}-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\{#AppExe}
#ifdef AppIcon
SetupIconFile={#AppIcon}
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\{#AppFolder}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent
