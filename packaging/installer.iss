; Inno Setup 6 script: wraps the one-folder PyInstaller build into a Windows installer with a
; Start-menu entry and an uninstaller. Build on Windows (see packaging/README.md):
;   .venv\Scripts\python -m PyInstaller --noconfirm packaging\vidgen.spec
;   iscc /DAppVersion=<version from pyproject> packaging\installer.iss
; The version is never written here: pyproject.toml is the one source, passed in with /DAppVersion.
; User data (settings, logs, projects) lives in per-user folders, so uninstalling never touches it.

#ifndef AppVersion
  #error Pass the version from pyproject.toml: iscc /DAppVersion=0.1.0 packaging\installer.iss
#endif

#define AppName "VidGen Desktop"
; Must match EXE_NAME in packaging/vidgen.spec on Windows.
#define AppExeName "VidGen Desktop.exe"
; Relative to this script: the folder PyInstaller writes (dist/VidGen Desktop/).
#define BuildDir "..\dist\VidGen Desktop"

[Setup]
; Fixed forever: Windows matches upgrades and the uninstaller by this id. Never change it.
AppId={{D0117DD6-6043-4DE8-A05F-64F4815ACF85}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=VidGen Desktop contributors
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install by default (no admin prompt); the user may choose all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=VidGen-Desktop-{#AppVersion}-setup
SetupIconFile=..\resources\icons\vidgen.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder build; resources/ and workflows/ are inside _internal\ already.
Source: "{#BuildDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Python may write __pycache__ next to the bundle; nothing else of ours lives in {app}.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
