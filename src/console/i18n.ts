// The console's words, zh-CN by default and English on request (?lang=en, kept in a
// cookie). One catalogue: a key missing in English shows the Chinese.
import type { Grading } from "../config/grading.js";

export type Lang = "zh" | "en";

const zh = {
  app: "预警信息发布", signIn: "登录", signOut: "退出", apiKey: "API 密钥",
  warnings: "预警列表", compose: "制作预警", approvals: "待审批", devices: "设备", people: "人员",
  status: "状态", type: "类型", level: "级别", area: "区域", from: "起", to: "止", filter: "筛选", all: "全部", issued: "发布时间",
  expires: "失效时间", onset: "生效时间", sendAt: "定时发布", headline: "标题", description: "内容", instruction: "防御指南",
  audiences: "发布对象", channels: "渠道", submit: "提交审批", saveDraft: "保存草稿", preview: "预览", approve: "批准", reject: "驳回",
  reason: "理由", cancelWarning: "解除预警", update: "更新预警", coverage: "覆盖率", target: "目标", population: "人口", reached: "已覆盖",
  csv: "导出覆盖率 CSV", summary: "近24小时覆盖率", major: "重大预警（红、橙）", allWarnings: "全部预警", noWarnings: "没有符合条件的预警。",
  noPending: "没有待审批的预警。", selfApproval: "不能审批自己制作的预警。", searchArea: "按名称或代码搜索区域", selected: "已选区域",
  add: "添加", remove: "移除", below: "查看下级", above: "返回上级", segments: "短信条数", budget: "上限", overBudget: "超出短信条数上限", language: "语言", fallback: "（无蒙古文模板，使用中文）",
  queued: "排队", sent: "已发送", delivered: "已送达", played: "已播放", acknowledged: "已确认", failed: "失败", expired: "过期",
  villageReached: "已覆盖", villageProgress: "进行中", villageNotReached: "未覆盖", villageOffline: "大喇叭离线", villageEscalated: "已叫应",
  timeTo50: "达到50%用时", timeTo90: "达到90%用时", live: "实时", online: "在线", offline: "离线", lastSeen: "最后在线", kind: "类型",
  name: "名称", phone: "电话", email: "邮箱", role: "岗位", importCsv: "导入 CSV", imported: "已导入", rejectedRows: "未导入的行",
  line: "行", choose: "选择", county: "旗县区", township: "苏木乡镇", village: "嘎查村", grid: "网格", actions: "操作",
  created: "已保存", notAllowed: "无权执行此操作", fixErrors: "请修改以下错误：", fixFields: "请按各字段旁的提示修改后重新提交。", seconds: "秒", show: "查看", board: "一张图",
  confirmCancel: "确认解除该预警？", escalations: "叫应", step: "步骤", nobody: "无", version: "版本", msgType: "消息类型",
  csrf: "页面已过期，请刷新后重试。", loading: "加载中…",
  username: "用户名", password: "密码", badPassword: "用户名或密码错误。", tooManyTries: "尝试次数过多，请 {s} 秒后再试。",
  signInPwHint: "使用管理员为您开设的用户名和密码登录。脚本和系统对接请使用 API 密钥调用接口。",
  admin: "账号管理", users: "用户", agency: "发布单位", scope: "区域范围", active: "启用", inactive: "停用", newUser: "新建用户",
  save: "保存", keys: "API 密钥", newKey: "新建密钥", label: "标签", prefix: "前缀", createdAt: "创建时间", lastUsed: "最近使用",
  revoke: "吊销", revoked: "已吊销", keyOnce: "新密钥（只显示这一次，请立即保存）：", audit: "审计日志", actor: "操作人", action: "动作",
  subject: "对象", at: "时间", never: "从未", newPassword: "新密码（可选）", agencies: "发布单位", types: "预警类型",
  signature: "短信签名", senderId: "CAP 发送方", none: "无",
  ch_sms: "短信", ch_loudspeaker: "应急广播大喇叭", ch_display: "显示屏", ch_email: "电子邮件",
  ch_eb: "应急广播平台",
  aud_public: "社会公众", aud_info_officer: "信息员", aud_grid_worker: "网格员", aud_village_cadre: "嘎查村干部", aud_township_official: "苏木乡镇干部",
  st_draft: "草稿", st_pending: "待审批", st_approved: "已批准", st_issued: "已发布", st_updated: "已更新", st_cancelled: "已解除", st_expired: "已失效",
  mt_Alert: "发布", mt_Update: "更新", mt_Cancel: "解除",
  aud_county_official: "旗县区干部", aud_school: "学校", aud_hospital: "医院", aud_enterprise: "企业", aud_hazard_point: "隐患点",
  persons: "人", platforms: "个平台", units: "台", villagesUnit: "个嘎查村", onApproval: "批准后立即生效", bjt: "北京时间",
  author: "制作人", smsText: "短信内容", noSms: "未选短信渠道。", confirmApprove: "确认批准并发布", confirmReject: "确认驳回",
  confirmApproveText: "批准后将立即按上述区域和渠道发布，请核对无误后确认。", rejectReason: "驳回理由",
  cancelReason: "解除理由（作为解除通知的内容发给公众）", confirmCancelBtn: "确认解除", reasonRequired: "请填写解除理由。",
  allClearOf: "解除的预警", allClearProgress: "解除通知的发送进度", targeted: "目标", shown: "已显示", retrying: "重试中",
  failureReasons: "失败原因", noFailures: "没有失败的投递。", offlineDevices: "离线设备", noOffline: "没有离线设备。",
  worklist: "叫应清单", post: "岗位", person: "责任人", deadline: "截止时间", overdue: "已超时", waiting: "待确认",
  confirmByPhone: "已电话确认", confirmedAt: "确认时间", startedAt: "开始时间", count: "数量", details: "明细",
  search: "搜索", searchPeople: "姓名、电话或区域", nextPage: "下一页", firstPage: "第一页", register: "登记设备",
  tokenOnce: "设备令牌（只显示这一次，请写入控制器）：", reach: "覆盖人数", filterOnline: "只看在线", filterOffline: "只看离线",
  map: "一张图", noCoords: "嘎查村坐标缺失，按苏木乡镇网格显示。", code: "代码", total: "合计",
  lang_zh: "中文", lang_mn: "蒙古文", lang_en: "英文", role_primary: "A角", role_backup: "B角",
  reason_no_ack: "未确认", reason_device_offline: "大喇叭离线",
  step_primary: "A角", step_backup: "B角", step_township: "苏木乡镇干部", step_county: "旗县区干部",
  ds_queued: "排队中", ds_sending: "发送中", ds_sent: "已发送", ds_delivered: "已送达", ds_acknowledged: "已确认",
  ds_failed: "失败", ds_expired: "已过期", role_admin: "管理员", role_issuer: "制作员", role_approver: "审批员",
  role_viewer: "查看员", received: "已接收", err_no_address: "无联系方式", err_device_failed: "设备报告播放失败",
  err_eb_broadcast_failed: "平台播发失败", err_eb_broadcast_cancelled: "平台播发被取消", err_unknown: "未知原因",
  err_other: "渠道报错",
  v_invalid_phone: "电话号码格式不正确", v_unknown_area: "区域代码不存在", v_not_village: "设备须登记在嘎查村或网格",
  v_required: "必填", v_too_small: "不能为空或太小", v_too_big: "太长或太大", v_invalid_type: "类型不正确",
  v_invalid_format: "格式不正确", v_invalid_value: "取值不在允许范围内", v_custom: "不符合要求", v_in_past: "时间已过",
  v_invalid_time: "时间格式不正确", v_level_not_allowed: "该类型不允许此级别", v_out_of_scope: "超出您的区域范围",
  v_unrecognized_keys: "包含不认识的字段", v_missing: "缺少必填项",
};
export type MessageKey = keyof typeof zh;

const en: Partial<Record<MessageKey, string>> = {
  app: "Warning dissemination", signIn: "Sign in", signOut: "Sign out", apiKey: "API key",
  warnings: "Warnings", compose: "Compose", approvals: "Approvals", devices: "Devices", people: "People",
  status: "Status", type: "Type", level: "Level", area: "Area", from: "From", to: "To", filter: "Filter", all: "All", issued: "Issued",
  expires: "Expires", onset: "Onset", sendAt: "Send at", headline: "Headline", description: "Description", instruction: "Instruction",
  audiences: "Audiences", channels: "Channels", submit: "Submit for approval", saveDraft: "Save draft", preview: "Preview", approve: "Approve", reject: "Reject",
  reason: "Reason", cancelWarning: "Cancel warning", update: "Update", coverage: "Coverage", target: "target", population: "Population", reached: "Reached",
  csv: "Coverage CSV", summary: "Coverage, last 24 hours", major: "Major (red, orange)", allWarnings: "All warnings", noWarnings: "No warnings match.",
  noPending: "Nothing waits for approval.", selfApproval: "You cannot approve a warning you wrote.", searchArea: "Search areas by name or code", selected: "Selected areas",
  add: "Add", remove: "Remove", below: "Show the areas below", above: "Up one level", segments: "SMS segments", budget: "budget", overBudget: "Over the SMS budget", language: "Language", fallback: "(no Mongolian template: Chinese used)",
  queued: "queued", sent: "sent", delivered: "delivered", played: "played", acknowledged: "acknowledged", failed: "failed", expired: "expired",
  villageReached: "reached", villageProgress: "in progress", villageNotReached: "not reached", villageOffline: "loudspeaker offline", villageEscalated: "escalated",
  timeTo50: "Time to 50%", timeTo90: "Time to 90%", live: "live", online: "online", offline: "offline", lastSeen: "Last seen", kind: "Kind",
  name: "Name", phone: "Phone", email: "Email", role: "Post", importCsv: "Import CSV", imported: "Imported", rejectedRows: "Rejected rows",
  line: "Line", choose: "Choose", county: "County", township: "Township", village: "Village", grid: "Grid", actions: "Actions",
  created: "Saved", notAllowed: "Not allowed", fixErrors: "Please fix:", fixFields: "Please correct the fields marked below and submit again.", seconds: "s", show: "Open", board: "Board",
  confirmCancel: "Cancel this warning?", escalations: "叫应 (escalation)", step: "Step", nobody: "none", version: "Version", msgType: "Message",
  csrf: "This page expired; reload and try again.", loading: "Loading…",
  username: "Username", password: "Password", badPassword: "Wrong username or password.",
  tooManyTries: "Too many attempts; try again in {s} s.",
  signInPwHint: "Sign in with the username and password your administrator gave you. Scripts use API keys.",
  admin: "Accounts", users: "Users", agency: "Agency", scope: "Scope", active: "active", inactive: "disabled",
  newUser: "New user", save: "Save", keys: "API keys", newKey: "New key", label: "Label", prefix: "Prefix",
  createdAt: "Created", lastUsed: "Last used", revoke: "Revoke", revoked: "revoked",
  keyOnce: "New key (shown only this once; store it now):", audit: "Audit log", actor: "Actor", action: "Action",
  subject: "Subject", at: "At", never: "never", newPassword: "New password (optional)", agencies: "Agencies",
  types: "Warning types", signature: "SMS signature", senderId: "CAP sender", none: "none",
  ch_sms: "SMS", ch_loudspeaker: "Loudspeakers", ch_display: "Displays", ch_email: "Email",
  ch_eb: "County broadcast platforms",
  aud_public: "Public", aud_info_officer: "Information officers", aud_grid_worker: "Grid workers", aud_village_cadre: "Village cadres", aud_township_official: "Township officials",
  st_draft: "draft", st_pending: "pending", st_approved: "approved", st_issued: "issued", st_updated: "updated", st_cancelled: "cancelled", st_expired: "expired",
  mt_Alert: "Alert", mt_Update: "Update", mt_Cancel: "Cancel",
  aud_county_official: "County officials", aud_school: "Schools", aud_hospital: "Hospitals", aud_enterprise: "Enterprises", aud_hazard_point: "Hazard points",
  persons: "people", platforms: "platforms", units: "units", villagesUnit: "villages", onApproval: "on approval", bjt: "Beijing time",
  author: "Author", smsText: "SMS text", noSms: "No SMS channel chosen.", confirmApprove: "Confirm: approve and issue",
  confirmReject: "Confirm rejection", confirmApproveText: "Approving issues it at once to the areas and channels above.",
  rejectReason: "Reason for rejecting", cancelReason: "Reason (sent to the public as the all-clear)",
  confirmCancelBtn: "Confirm cancel", reasonRequired: "Give the reason for the cancel.", allClearOf: "Cancels",
  allClearProgress: "All-clear progress", targeted: "targeted", shown: "shown", retrying: "retrying",
  failureReasons: "Failure reasons", noFailures: "No failed deliveries.", offlineDevices: "Offline devices",
  noOffline: "No device is offline.", worklist: "叫应 worklist", post: "Post", person: "Person", deadline: "Deadline",
  overdue: "overdue", waiting: "waiting", confirmByPhone: "Confirmed by phone", confirmedAt: "Confirmed",
  startedAt: "Started", count: "Count", details: "Details", search: "Search", searchPeople: "name, phone or area",
  nextPage: "Next page", firstPage: "First page", register: "Register device",
  tokenOnce: "Device token (shown only once; put it in the controller):", reach: "Reach", filterOnline: "Online only",
  filterOffline: "Offline only", map: "Map", noCoords: "Village coordinates are missing: shown as a township grid.",
  code: "Code", total: "Total", lang_zh: "Chinese", lang_mn: "Mongolian", lang_en: "English", role_primary: "A (primary)",
  role_backup: "B (backup)", reason_no_ack: "no acknowledgement", reason_device_offline: "loudspeaker offline",
  step_primary: "primary", step_backup: "backup", step_township: "township official", step_county: "county official",
  ds_queued: "queued", ds_sending: "sending", ds_sent: "sent", ds_delivered: "delivered", ds_acknowledged: "acknowledged",
  ds_failed: "failed", ds_expired: "expired", role_admin: "admin", role_issuer: "issuer", role_approver: "approver",
  role_viewer: "viewer", received: "received", err_no_address: "no address", err_device_failed: "device reported failure",
  err_eb_broadcast_failed: "platform broadcast failed", err_eb_broadcast_cancelled: "platform broadcast cancelled",
  err_unknown: "unknown", err_other: "channel error",
};

/** A vocabulary word (channel, audience, status, message type) in the page's language; an unknown one as it is. */
export type WordPrefix = "ch" | "aud" | "st" | "mt" | "lang" | "role" | "reason" | "step" | "ds" | "err";
export const word = (t: T, prefix: WordPrefix, value: string): string => t(`${prefix}_${value}` as MessageKey) ?? value;

export type T = (k: MessageKey) => string;
export const translator = (lang: Lang): T => (k) => (lang === "en" ? en[k] ?? zh[k] : zh[k]);

/** A level by its colour: 红色 / Red. */
export const levelName = (lang: Lang, g: Grading, level: string): string => {
  const l = g.levels[level as keyof Grading["levels"]];
  return l ? (lang === "en" ? l.national : l.zh) : level;
};

/** A warning type: 暴雨 / rainstorm (the grading table names types in Chinese only). */
export const typeName = (lang: Lang, g: Grading, type: string): string => {
  const ty = g.types[type as keyof Grading["types"]];
  return ty && lang !== "en" ? ty.zh : type.replaceAll("_", " ");
};
