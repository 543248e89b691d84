"""Bilingual wording of the report: metric names, section titles, column headers, dimension names."""

from __future__ import annotations

from cxlens.report.model import Text

__all__ = ["COLUMNS", "DIMENSIONS", "METRICS", "SECTIONS", "TEMPLATES", "UNITS", "column", "metric_label"]

METRICS: dict[str, Text] = {
    "nps": Text("净推荐值 NPS", "NPS"),
    "csat": Text("满意度 CSAT", "CSAT"),
    "csat_mean": Text("满意度均值", "CSAT mean"),
    "ces": Text("客户费力度 CES", "CES"),
    "ces_easy": Text("省力占比", "Easy share (CES)"),
    "csi": Text("满意度指数 CSI", "CSI"),
    "rating_mean": Text("评分均值", "Mean rating"),
    "top_box": Text("好评率(Top box)", "Top box"),
    "bottom_box": Text("差评率(Bottom box)", "Bottom box"),
    "retention_rate": Text("客户保留率", "Retention rate"),
    "churn_rate": Text("客户流失率", "Churn rate"),
    "repurchase_rate": Text("复购率", "Repurchase rate"),
    "satisfaction_conversion": Text("满意→忠诚转化率", "Satisfaction → loyalty conversion"),
    "first_response_time": Text("首次响应时间(中位数)", "First response time (median)"),
    "resolution_time": Text("解决时长(中位数)", "Resolution time (median)"),
    "resolution_rate": Text("问题解决率", "Resolution rate"),
    "sla_attainment": Text("SLA 达成率", "SLA attainment"),
    "fcr": Text("首次解决率 FCR", "First-contact resolution"),
    "reopen_rate": Text("重开率", "Reopen rate"),
    "ticket_csat": Text("工单满意度", "Ticket CSAT"),
    "complaint_rate": Text("投诉率(每千客户)", "Complaint rate (per 1,000 customers)"),
    "backlog": Text("积压工单", "Backlog"),
    "order_processing_time": Text("订单处理时长", "Order processing time"),
    "aov": Text("客单价", "Average order value"),
    "revenue": Text("收入", "Revenue"),
}

UNITS: dict[str, Text] = {
    "%": Text("%", "%"),
    "points": Text("分", " pts"),
    "hours": Text("小时", " h"),
    "scale points": Text("分", ""),
    "per 1,000 customers": Text("‰", " per 1,000"),
    "0–100": Text("", ""),
    "currency": Text("元", " CNY"),
}

SECTIONS: dict[str, Text] = {
    "objective": Text("一、分析目标", "1. Objective"),
    "method": Text("二、方法:工具、样本、回收率与信度", "2. Method: instruments, sample, response rate, reliability"),
    "kpis": Text("三、核心指标:目标与上期对比", "3. Key metrics against targets and the last period"),
    "service_kpis": Text("服务效率指标", "Service efficiency"),
    "drivers": Text("关键驱动因素(重要性–表现矩阵)", "Key drivers (importance–performance)"),
    "segments": Text("细分群体表现", "Segments"),
    "teams": Text("团队与坐席绩效", "Team and agent scorecards"),
    "text": Text("文本主题与原声", "Text themes and quotes"),
    "quality": Text("客户关系质量分层", "Relationship-quality tiers"),
    "value": Text("客户价值与生命周期", "Customer value"),
    "competitors": Text("竞争对手对标", "Competitor gaps"),
    "recommendations": Text("改进建议", "Recommendations"),
    "action_plans": Text("行动计划进展", "Action plan status"),
}

TEMPLATES: dict[str, Text] = {
    "satisfaction": Text("客户满意度分析报告", "Customer satisfaction report"),
    "service": Text("客户服务管理分析报告", "Customer service report"),
    "relationship": Text("客户关系质量评估报告", "Relationship quality report"),
    "industry": Text("行业客户体验综合报告", "Industry customer-experience report"),
}

DIMENSIONS: dict[str, Text] = {
    "region": Text("地区", "Region"),
    "segment": Text("客户类型", "Segment"),
    "industry": Text("行业", "Industry"),
    "team": Text("团队", "Team"),
    "agent": Text("坐席", "Agent"),
    "channel": Text("渠道", "Channel"),
    "priority": Text("优先级", "Priority"),
}

COLUMNS: dict[str, Text] = {
    "metric": Text("指标", "Metric"),
    "value": Text("本期值", "Value"),
    "n": Text("样本量 n", "n"),
    "ci_low": Text("95%区间下限", "95% CI low"),
    "ci_high": Text("95%区间上限", "95% CI high"),
    "previous": Text("上期值", "Previous"),
    "change": Text("变化", "Change"),
    "p_val": Text("p 值", "p"),
    "target": Text("目标", "Target"),
    "attained": Text("达标", "Attained"),
    "driver": Text("驱动因素", "Driver"),
    "importance": Text("重要性 %", "Importance %"),
    "rank": Text("排名", "Rank"),
    "mean": Text("表现(均值)", "Performance (mean)"),
    "beta": Text("标准化系数 β", "Standardised β"),
    "quadrant": Text("象限", "Quadrant"),
    "survey": Text("问卷", "Survey"),
    "title": Text("名称", "Title"),
    "questions": Text("题目数", "Questions"),
    "responses": Text("本期回收", "Responses in period"),
    "dimension": Text("维度", "Dimension"),
    "alpha": Text("Cronbach's α", "Cronbach's α"),
    "theme": Text("主题", "Theme"),
    "count": Text("本期条数", "Texts in period"),
    "previous_count": Text("上期条数", "Texts last period"),
    "change_pct": Text("变化 %", "Change %"),
    "quote": Text("原声引用", "Quote"),
    "aspect": Text("方面", "Aspect"),
    "mean_score": Text("平均情感", "Mean sentiment"),
    "tier": Text("等级", "Tier"),
    "customers": Text("客户数", "Customers"),
    "share": Text("占比 %", "Share %"),
    "score": Text("关系质量得分", "Quality score"),
    "label": Text("分群", "Segment"),
    "revenue_share": Text("收入占比 %", "Revenue share %"),
    "monetary": Text("平均消费", "Mean spend"),
    "frequency": Text("平均频次", "Mean frequency"),
    "recency_days": Text("最近购买(天)", "Recency (days)"),
    "slice": Text("群体", "Slice"),
    "status": Text("状态", "Status"),
    "owner": Text("负责人", "Owner"),
    "due": Text("截止", "Due"),
    "competitor": Text("竞争对手", "Competitor"),
    "gap": Text("差距", "Gap"),
    "rate": Text("回收率", "Rate"),
    "basis": Text("口径", "Basis"),
    "responded": Text("应答", "Responded"),
    "invited": Text("分母", "Denominator"),
}

QUADRANTS: dict[str, Text] = {
    "concentrate_here": Text("重点改进", "Concentrate here"),
    "keep_up_the_good_work": Text("继续保持", "Keep up the good work"),
    "low_priority": Text("次要改进", "Low priority"),
    "possible_overkill": Text("可能过度", "Possible overkill"),
}


def column(key: str) -> Text:
    """The header of column ``key`` (the key itself when it has no wording)."""
    return COLUMNS.get(key, Text(key, key))


def metric_label(name: str) -> Text:
    return METRICS.get(name, Text(name, name))
