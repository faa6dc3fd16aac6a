<#
.SYNOPSIS
  Installs (or removes) the Dubbing Editor plugin for DaVinci Resolve Studio on Windows.

.DESCRIPTION
  Copies build\resolve-plugin\<Id>\ to Resolve's Workflow Integration Plugins folder:
    %PROGRAMDATA%\Blackmagic Design\DaVinci Resolve\Support\Workflow Integration Plugins\
  WorkflowIntegration.node is NOT copied: the plugin loads it from the Resolve installation
  (%PROGRAMDATA%\Blackmagic Design\DaVinci Resolve\Support\Developer\Workflow Integrations\Examples\SamplePlugin\).
  Writing under %PROGRAMDATA% usually needs an elevated (Administrator) PowerShell.

.EXAMPLE
  npm run build:resolve-plugin
  powershell -ExecutionPolicy Bypass -File scripts\install-resolve-plugin.ps1
  powershell -ExecutionPolicy Bypass -File scripts\install-resolve-plugin.ps1 -Uninstall
#>
param(
  [switch]$Uninstall,
  [string]$Build = "",
  [string]$Destination = ""
)
$ErrorActionPreference = 'Stop'

$Root = Split-Path -Parent $PSScriptRoot
if (-not $Build) { $Build = Join-Path $Root 'build\resolve-plugin' }
$Meta = Get-Content -Raw -Path (Join-Path $Root 'resources\resolve-plugin\plugin.json') | ConvertFrom-Json
$Id = $Meta.id
if (-not $Id) { throw 'Cannot read the plugin id from resources\resolve-plugin\plugin.json' }

$ProgramData = if ($env:ProgramData) { $env:ProgramData } else { 'C:\ProgramData' }
if (-not $Destination) {
  $Destination = if ($env:RESOLVE_PLUGINS_DIR) { $env:RESOLVE_PLUGINS_DIR } else { Join-Path $ProgramData 'Blackmagic Design\DaVinci Resolve\Support\Workflow Integration Plugins' }
}
$Target = Join-Path $Destination $Id
$WiNode = Join-Path $ProgramData 'Blackmagic Design\DaVinci Resolve\Support\Developer\Workflow Integrations\Examples\SamplePlugin\WorkflowIntegration.node'

if ($Uninstall) {
  if (Test-Path $Target) { Remove-Item -Recurse -Force $Target; Write-Host "Removed $Target" } else { Write-Host "Not installed: $Target" }
  exit 0
}

$Src = Join-Path $Build $Id
if (-not (Test-Path (Join-Path $Src 'manifest.xml')) -or -not (Test-Path (Join-Path $Src 'main.js'))) {
  Write-Error "No built plugin in $Src. Run: npm run build:resolve-plugin"
  exit 1
}
if (Get-ChildItem -Path $Src -Recurse -Filter '*.node' -ErrorAction SilentlyContinue) {
  Write-Error 'Refusing to install: the build contains a .node file (WorkflowIntegration.node must come from Resolve).'
  exit 1
}

try {
  New-Item -ItemType Directory -Force -Path $Destination | Out-Null
  # Copy next to the target, then swap, so Resolve never sees a half-copied plugin.
  $Tmp = Join-Path $Destination ".$Id.installing.$PID"
  if (Test-Path $Tmp) { Remove-Item -Recurse -Force $Tmp }
  Copy-Item -Recurse -Path $Src -Destination $Tmp
  if (Test-Path $Target) { Remove-Item -Recurse -Force $Target }
  Move-Item -Path $Tmp -Destination $Target
} catch [System.UnauthorizedAccessException] {
  Write-Error "No permission to write $Destination. Run PowerShell as Administrator and try again."
  exit 1
}
Write-Host "Installed $Id to $Target"

if (-not $env:RESOLVE_PLUGINS_DIR -and -not (Test-Path $WiNode)) {
  Write-Warning "$WiNode was not found. The plugin needs DaVinci Resolve Studio's WorkflowIntegration.node; if yours is elsewhere, put {""workflowIntegrationPath"": ""C:\\full\\path\\WorkflowIntegration.node""} in $Target\settings.json."
}
Write-Host 'Restart DaVinci Resolve, then open Workspace > Workflow Integrations > Dubbing Editor.'
